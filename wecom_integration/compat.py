"""Everything that changes between Odoo 11 and Odoo 16-18, in one place.

A port rewrites this module (and the views); the rest of the addon calls these names. What each
becomes in 17.0 is said on it. Not routed through here, and to change in a port: the decorators
``@api.multi`` and ``@api.model_cr`` (gone in 13.0: drop them), ``_auto_init`` (same), the XML
views (``<tree>`` is ``<list>`` in 17.0, ``attrs`` become expressions), controllers/rest_shim.py
(Odoo 11 cannot take a plain JSON body on a route: in 17.0 a ``type="http"`` route reads
``request.get_json_data()`` and the shim goes), and the test harness (tests/common.py
SharedCursorHttpCase, the root conftest.py's HTTP server).

Also in the views, Archive/Unarchive: Odoo 11's list offers them in the Action menu on every model
with an ``active`` field. The lists of the mirror (which the sync alone archives) and of API keys
(which end by Revoke) use ``js_class="wecom_list_no_archive"`` (static/src/js/list_no_archive.js)
to leave them out; a port rewrites that small view class for its list controller.
"""


# ---------------------------------------------------------------------------- cursors
def new_cursor(registry, serialized=True):
    """A new connection's cursor, REPEATABLE READ or (``serialized=False``) READ COMMITTED.
    17.0: ``registry.cursor()`` is always REPEATABLE READ; use
    ``odoo.sql_db.db_connect(registry.db_name).cursor()`` and set the isolation level."""
    return registry._db.cursor(serialized=serialized)


def after_commit(env, func):
    """Call ``func()`` once ``env``'s transaction has committed. 17.0: ``env.cr.postcommit.add(func)``."""
    env.cr.after("commit", func)


def after_rollback(env, func):
    """Call ``func()`` if ``env``'s transaction is rolled back. 17.0: ``env.cr.postrollback.add(func)``."""
    env.cr.after("rollback", func)


def psycopg2_cursor(cr):
    """The psycopg2 cursor behind Odoo's (to quote values with mogrify). 17.0: ``cr._obj`` still."""
    return cr._obj


# ---------------------------------------------------------------------------- the ORM
def invalidate_all(env):
    """Empty the ORM cache. 17.0: ``env.invalidate_all()`` (this picks it when it exists)."""
    if hasattr(env, "invalidate_all"):
        env.invalidate_all()
    else:
        env.cache.invalidate()


def recompute_dependents(records, field_names, skip):
    """Recompute the stored computed fields (of any model) that depend on ``field_names`` of
    ``records``, after those were written in SQL; ``skip(field)`` names dependents already written.
    17.0: ``records.modified(names)`` then ``records.env.flush_all()``; the trigger tree is
    ``model.pool.field_triggers`` and no longer a dict of (field, path) pairs."""
    model = records.browse()
    foreign = [name for name in field_names if name in model._fields and any(
        dep.store and dep.compute and not skip(dep) for dep, _path in model._field_triggers[model._fields[name]])]
    if foreign:
        records.modified(foreign)
        records.recompute()


def as_user(records, uid):
    """``records`` acting as user ``uid`` (its rights). 17.0: ``records.with_user(uid)``."""
    return records.sudo(uid)


def post_note(record, body, author_id=None):
    """An internal note in ``record``'s chatter (a model with mail.thread; the caller checks
    ``hasattr(record, "message_post")``). 12.0+: ``subtype`` became ``subtype_xmlid``; 17.0:
    ``record.message_post(body=body, subtype_xmlid="mail.mt_note", author_id=author_id)``."""
    return record.message_post(body=body, subtype="mail.mt_note", author_id=author_id)


# ---------------------------------------------------------------------------- the web client
def form_action(model, res_id, name, target="current"):
    """An action opening one record in a form. 17.0: the same without ``view_type``."""
    return {"type": "ir.actions.act_window", "res_model": model, "res_id": res_id, "name": name,
            "view_mode": "form", "view_type": "form", "target": target}


def record_url(base_url, record):
    """The web client's link to ``record``. 17.0: ``/odoo/<model>/<id>`` (18.0) or ``/web#...``."""
    return "%s/web#id=%s&model=%s&view_type=form" % (base_url, record.id, record._name)


# ---------------------------------------------------------------------------- translations
def own_term(env, source, translated, module="wecom_integration"):
    """``source`` as ``module`` translates it in the context's language, else ``translated`` (what
    ``_(source)`` gave, which callers pass so that the term is still exported). Odoo 11's ``_()``
    takes the translation of the same English text from whichever module the database returns
    first: with mail installed the card button "View" became mail's 视图 (a view), with hr_holidays
    "Approve" became 批准 instead of 同意. Short terms on cards and buttons go through here.
    17.0: plain ``_()``, which looks in the calling module's translations first."""
    lang = env.context.get("lang")
    if not lang or lang == "en_US":
        return translated
    env.cr.execute("""SELECT value FROM ir_translation WHERE lang = %s AND module = %s AND type = 'code'
                      AND src = %s AND value != '' LIMIT 1""", (lang, module, source))
    row = env.cr.fetchone()
    return row[0] if row else translated


# ---------------------------------------------------------------------------- HTTP
def set_request_user(request, uid):
    """Make the current request act as ``uid`` (an API key's owner). 17.0: ``request.update_env(user=uid)``."""
    request.uid = uid


# ---------------------------------------------------------------------------- authentication
def credential_password(*args):
    """The password given to Odoo's credential check. Odoo 11: ``check_credentials(self, password)``
    (res_users.py overrides it); 12.0-16.0 rename it ``_check_credentials(self, password)``. 17.0:
    ``_check_credentials(self, credential, env)`` with ``credential = {"type": "password",
    "login": .., "password": ..}``, and it returns an auth-info dict ({"uid", "auth_method",
    "mfa"}) that the override must return too."""
    first = args[0] if args else None
    return first.get("password") if isinstance(first, dict) else first
