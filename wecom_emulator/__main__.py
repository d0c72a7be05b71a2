# -*- coding: utf-8 -*-
"""CLI: python -m wecom_emulator --host 127.0.0.1 --port 8899 --directory demo

Serves the emulator (threaded), prints what a client needs to connect, stops cleanly on
Ctrl-C or SIGTERM.
"""
import argparse
import signal
import sys
import threading

from werkzeug.serving import make_server

from . import defaults
from .emulator import Emulator
from .oauth import check_domain
from .ratelimit import RateLimits
from .testing import _QuietHandler


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m wecom_emulator",
                                     description="WeCom (企业微信) server API emulator")
    parser.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8899, help="port (default 8899; 0 = any free)")
    parser.add_argument("--directory", default="demo",
                        help="demo | empty | large:USERS[:DEPARTMENTS[:SEED]] (default demo)")
    parser.add_argument("--token-ttl", type=int, default=defaults.TOKEN_TTL,
                        help="access_token lifetime in seconds (default 7200)")
    parser.add_argument("--rate-limit-scale", type=float, default=1.0,
                        help="multiply every frequency limit by this factor (e.g. 0.001)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="concurrent calls per corp+API before 45033 (default %d)"
                             % RateLimits.DEFAULTS["concurrency"])
    parser.add_argument("--latency-ms", type=float, default=0, metavar="N",
                        help="round trip added to every /cgi-bin/ call, in ms (default 0; real "
                             "WeCom: tens of ms); concurrent calls overlap")
    parser.add_argument("--export-format", default="binary",
                        help="export data files: binary | base64, optionally +callback "
                             "(random16+length+JSON+corpid framing); default binary (raw "
                             "ciphertext, plain JSON)")
    parser.add_argument("--export-polls", type=int, default=0, metavar="N",
                        help="export/get_result answers 'not finished' N times before a job "
                             "is done (default 0)")
    parser.add_argument("--export-delay", type=float, default=0, metavar="SECONDS",
                        help="an export job finishes no sooner than this (default 0)")
    parser.add_argument("--fetch-child", action="store_true",
                        help="honour fetch_child=1 on user/list and user/simplelist")
    parser.add_argument("--trusted-ip", action="append", default=[],
                        help="trusted IP for every app (repeatable); default: no allowlist")
    parser.add_argument("--contact-sync-known-ip", action="store_true",
                        help="let the contact-sync secret read details (no 48009)")
    parser.add_argument("--response-code-hours", type=int, choices=(72, 24), default=72,
                        help="template-card response_code lifetime (default 72; 24 as in "
                             "older docs)")
    parser.add_argument("--click-code-scope", choices=("card", "clicker"), default="card",
                        help="what a click's ResponseCode may update: any recipient (card, "
                             "default) or only the member who clicked")
    parser.add_argument("--trusted-domain", action="append", default=[],
                        help="OAuth/web-login trusted domain (host, host:port or host:*) of "
                             "every app (repeatable); default 127.0.0.1:* and localhost:*")
    parser.add_argument("--oauth-domain-error", choices=("uriconfirm", "page"),
                        default="uriconfirm",
                        help="an untrusted redirect_uri: redirect to the uriconfirm page "
                             "(default, as observed) or an error page on the spot")
    parser.add_argument("--weblogin-visible-only", action="store_true",
                        help="web login: members outside the app's visible range see 无权限")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def build(args):
    limits = RateLimits()
    if args.rate_limit_scale != 1.0:
        limits = limits.scaled(args.rate_limit_scale)
    if args.concurrency is not None:
        limits.concurrency = args.concurrency
    # Contact callbacks from a worker thread, as WeCom does: an admin change answers at once.
    emu = Emulator(directory=args.directory, token_ttl=args.token_ttl, rate_limits=limits,
                   honour_fetch_child=args.fetch_child, callback_mode="background",
                   latency_ms=args.latency_ms, export_format=args.export_format,
                   export_options={"polls": args.export_polls, "delay": args.export_delay},
                   response_code_ttl=args.response_code_hours * 3600,
                   click_code_scope=args.click_code_scope,
                   oauth_options={"domain_error": args.oauth_domain_error,
                                  "weblogin_visible_only": args.weblogin_visible_only})
    domains = [check_domain(d) for d in args.trusted_domain]
    for app in emu.corp.apps.values():
        app.trusted_ips = list(args.trusted_ip)
        if domains:
            app.trusted_domains = list(domains)
    emu.contact_sync.trusted_ips = list(args.trusted_ip)
    emu.contact_sync.new_ip = not args.contact_sync_known_ip
    return emu


def banner(emu, base):
    lines = [
        "WeCom emulator: %s  (inbox %s/, admin %s/_emulator/corp)" % (
            base + "/cgi-bin", base, base),
        "  directory     %s: %d departments, %d members, %d tags" % (
            emu.directory_spec, len(emu.directory.departments), len(emu.directory.users),
            len(emu.directory.tags)),
        "  corpid        %s" % emu.corp_id,
    ]
    for app in sorted(emu.corp.apps.values(), key=lambda a: a.agent_id):
        lines.append("  app %-9s agentid %d  secret %s  (%s%s)" % (
            app.name, app.agent_id, app.secret, "created " + app.created_at.date().isoformat(),
            ", privacy-restricted" if app.privacy_restricted else ", full fields"))
    lines.append("  contact sync  secret %s%s" % (
        emu.contact_secret, " (new IP: detail reads give 48009)" if emu.contact_sync.new_ip else ""))
    lines.append("  oauth / login %s/connect/oauth2/authorize  %s/wwlogin/sso/login" % (base, base))
    return "\n".join(lines)


def main(argv=None):
    args = parse_args(argv)
    try:
        emu = build(args)
    except ValueError as exc:
        sys.stderr.write("error: %s\n" % exc)
        return 2
    server = make_server(args.host, args.port, emu.wsgi_app, threaded=True,
                         request_handler=None if args.verbose else _QuietHandler)
    host = args.host if ":" not in args.host else "[%s]" % args.host
    print(banner(emu, "http://%s:%d" % (host, server.server_port)))
    print("Ctrl-C to stop.")
    sys.stdout.flush()

    def stop(signum, frame):
        # shutdown() waits for serve_forever() to return, so call it off the main thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)   # also when started from a shell that ignores SIGINT
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print("WeCom emulator stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
