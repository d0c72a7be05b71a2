"""What both benchmarks share: the database and Odoo, and the text of their reports."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def progress(message):
    sys.stderr.write("[bench] %s\n" % message)
    sys.stderr.flush()


# ---------------------------------------------------------------------------- Odoo
def prepare_database(cfg, db):
    subprocess.check_call(["bash", os.path.join(HERE, "prepare_db.sh"), cfg, db], cwd=ROOT)


def start_odoo(cfg, db):
    import odoo
    odoo.tools.config.parse_config(["-c", cfg, "-d", db, "--log-level=warn"])
    return odoo.registry(db)


# ---------------------------------------------------------------------------- report text
def seconds(value):
    if value is None:
        return "-"
    return "%.2f s" % value if value < 100 else "%.0f s" % value


def ratio(numerator, denominator):
    """"12.3x"; "-" when a side is unknown (or both are zero), "inf" over zero."""
    if numerator is None or denominator is None:
        return "-"
    if not denominator:
        return "-" if not numerator else "inf"
    value = float(numerator) / denominator
    return "%.0fx" % value if value >= 100 else "%.1fx" % value


def written_text(written):
    """"3/1/0": rows inserted/updated/deleted over every table of ``{table: (ins, upd, del)}``."""
    return "%d/%d/%d" % tuple(sum(counts[i] for counts in written.values()) for i in range(3))


def per_table(written):
    """"3/1/0 (wecom_user 1/1/0, ...)": in total and per table."""
    return "%s (%s)" % (written_text(written), ", ".join(
        "%s %d/%d/%d" % ((name,) + tuple(counts)) for name, counts in sorted(written.items())) or "none")


def calls_text(calls):
    """"5004 (user/list 5000, department/list 1, ...)": WeCom calls in total and per path."""
    parts = ["%s %d" % (path, n) for path, n in sorted(calls.items(), key=lambda item: -item[1]) if n]
    return "%d (%s)" % (sum(calls.values()), ", ".join(parts) or "none")


def table(headers, rows, aligns=None):
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    aligns = aligns or ["<"] + [">"] * (len(headers) - 1)

    def line(cells):
        return "  ".join("{:{}{}}".format(str(c), a, w) for c, a, w in zip(cells, aligns, widths)).rstrip()
    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(row) for row in rows)
    return "\n".join("  " + each for each in out)


def goal(ok):
    return "PASS" if ok else "MISS"
