"""Set-based writes for the directory mirror.

The ORM writes one record at a time (about 0.6 ms a row); a directory of 50,000 members needs
batches. These helpers diff the wanted rows against the table in Python and write only the
difference with multi-row INSERT / UPDATE ... FROM (VALUES ...) / DELETE statements, keeping
the ORM's invariants by hand: create/write uid and date, and cache invalidation (done by the
caller through `BulkTable.done()`).

Many new rows at once (a first sync, a large import in WeCom) go in by COPY instead of INSERT:
the same rows, dates and ids, without a statement of thousands of VALUES for PostgreSQL to parse
(it is most of a first sync's write time otherwise).
"""
from ..compat import invalidate_all, psycopg2_cursor, recompute_dependents

PAGE_SIZE = 1000
NOW = "(now() at time zone 'UTC')"
COPY_MIN = 500  # new rows from which an insert goes by COPY
COPY_CHUNK = 1 << 16  # characters handed to COPY at a time


def _copy_escape(value):
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_line(row):
    """One row in COPY's text format: None is \\N, text escaped, other values as str() writes them
    (booleans as True / False, which PostgreSQL reads as such). Text needing no escape (nearly all)
    is found in one look at the whole row."""
    texts = "".join([value for value in row if isinstance(value, str)])
    if "\\" in texts or "\t" in texts or "\n" in texts or "\r" in texts:
        return "\t".join(["\\N" if value is None else _copy_escape(value) if isinstance(value, str) else str(value)
                          for value in row]) + "\n"
    return "\t".join(["\\N" if value is None else value if isinstance(value, str) else str(value)
                      for value in row]) + "\n"


class _CopyStream(object):
    """The file copy_expert reads: rows rendered as PostgreSQL asks for them, so that the server
    stores the first rows while the next ones are made (and the whole text never sits in memory)."""

    def __init__(self, rows):
        self._lines = map(_copy_line, rows)
        self._rest = ""

    def read(self, size=-1):  # pylint: disable=method-required-super  # a plain file-like class, not a model
        size = size if size is not None and size >= 0 else 1 << 30
        parts, length = [self._rest], len(self._rest)
        if length < size:
            for line in self._lines:
                parts.append(line)
                length += len(line)
                if length >= size:
                    break
        data = "".join(parts)
        self._rest = data[size:]
        return data[:size]

    readline = read


def copy_rows(cr, table, columns, rows):
    """COPY ``rows`` (tuples in the order of ``columns``) into ``table``: one statement whatever the
    count. Values as INSERT would store them: None is NULL, text as is (a NUL character is refused,
    as by INSERT)."""
    psycopg2_cursor(cr).copy_expert('COPY "%s" (%s) FROM STDIN' % (table, ", ".join('"%s"' % c for c in columns)),
                                    _CopyStream(rows), size=COPY_CHUNK)


def transaction_now(cr):
    """The transaction's ``now() at time zone 'UTC'``: what NOW stores, as a value for COPY."""
    cr.execute("SELECT now() at time zone 'UTC'")
    return cr.fetchone()[0]


def run_values(cr, sql, rows, template, fetch=False):
    """Run ``sql`` (containing one ``%s`` for the VALUES list) for pages of ``rows``.

    Rows are rendered with ``template`` by psycopg2 itself (cr.mogrify), so values are quoted
    safely; the statement goes through Odoo's cursor so it is logged and counted like any other.
    """
    results = []
    raw = psycopg2_cursor(cr)  # only used to quote values
    for start in range(0, len(rows), PAGE_SIZE):
        page = rows[start:start + PAGE_SIZE]
        values = b",".join(raw.mogrify(template, row) for row in page).decode("utf-8")
        cr.execute(sql.replace("%s", values, 1))
        if fetch:
            results.extend(cr.fetchall())
    return results


class BulkTable(object):
    """The mirror table of one model, keyed by a WeCom id column.

    ``apply(wanted)`` takes {key: {column: value}}; a column absent from a row's dict keeps its
    stored value (WeCom no longer returns some fields, and those must never be cleared).
    """

    def __init__(self, env, model_name, key_column, columns, key_sql=None, quiet=()):
        self.env = env
        self.cr = env.cr
        self.model = env[model_name]
        self.table = self.model._table
        self.key_column = key_column
        self.key_sql = key_sql or key_column  # e.g. lower(userid)
        # quiet columns are written with the others but do not make a row "changed" (fingerprints)
        self.quiet = tuple(quiet)
        self.columns = list(columns) + [c for c in self.quiet if c not in columns]
        self._types = {name: self.model._fields[name].column_type[1] for name in self.columns}
        self.rows = None
        self.index = None
        self.reserved = {}

    def load(self, keys=None):
        """{key: {"id", "active", columns...}} for every row, archived ones included, or for the
        rows of ``keys`` only (the other rows can still be found through ``load_index``)."""
        cols = ", ".join('"%s"' % c for c in self.columns)
        query = 'SELECT id, active, %s AS key, %s FROM "%s"' % (self.key_sql, cols, self.table)
        if keys is None:
            self.cr.execute(query)  # pylint: disable=sql-injection  # names from the model, values as parameters
        else:
            self.cr.execute(query + " WHERE %s = ANY(%%s)" % self.key_sql, (list(keys),))
        names = [d[0] for d in self.cr.description]
        self.rows = {row[2]: dict(zip(names, row)) for row in self.cr.fetchall()}
        return self.rows

    def load_index(self):
        """{key: (id, active, quiet values...)} for every row: what deciding to skip a row needs."""
        cols = "".join(', "%s"' % c for c in self.quiet)
        # pylint: disable-next=sql-injection  # names and key expression from the model definition
        self.cr.execute('SELECT %s, id, active%s FROM "%s"' % (self.key_sql, cols, self.table))
        self.index = {row[0]: row[1:] for row in self.cr.fetchall()}
        return self.index

    def plan(self, wanted, archive_missing=True):
        """Split ``wanted`` into creates, updates and unchanged keys, and list the rows to archive."""
        if self.rows is None:
            self.load()
        creates, updates, unchanged = {}, {}, []
        for key, values in wanted.items():
            row = self.rows.get(key)
            if row is None:
                creates[key] = values
            elif not row["active"] or any(self.differs(row[c], v, c) for c, v in values.items()
                                          if c not in self.quiet):
                updates[key] = values
            else:
                unchanged.append(key)
        archive = [key for key, row in self.rows.items()
                   if archive_missing and row["active"] and key not in wanted]
        return creates, updates, unchanged, archive

    def differs(self, stored, value, column):
        if self._types[column] == "numeric" and stored is not None and value is not None:
            return float(stored) != float(value)
        if stored in (None, False, "") and value in (None, False, ""):
            return False
        return stored != value

    def reserve_ids(self, keys):
        """Take ids from the table's sequence for rows about to be created, so that other rows of
        the same batch can reference them (``id_of``) before they exist."""
        if keys:
            self.cr.execute("SELECT nextval(%s) FROM generate_series(1, %s)", ("%s_id_seq" % self.table, len(keys)))
            self.reserved.update(zip(keys, (row[0] for row in self.cr.fetchall())))

    def create(self, creates):  # pylint: disable=method-required-super  # a plain class, not a model
        """Insert rows (with their reserved ids, if any); returns {key: id}."""
        if not creates:
            return {}
        if len(creates) >= COPY_MIN:
            return self._copy_create(creates)
        cols = list(self.columns)
        id_sql = "coalesce(%%s::integer, nextval('%s_id_seq'))" % self.table
        template = "(%s, %s, now() at time zone 'UTC', %%s, now() at time zone 'UTC', %%s, true, %s)" % (
            id_sql, ", ".join("%%s::%s" % self._types[c] for c in cols), NOW)
        uid = self.env.uid
        rows = [(self.reserved.get(key),) + tuple(values.get(c) for c in cols) + (uid, uid)
                for key, values in creates.items()]
        sql = ('INSERT INTO "%s" (id, %s, create_date, create_uid, write_date, write_uid, active, last_sync_date) '
               'VALUES %%s RETURNING id, %s' % (self.table, ", ".join('"%s"' % c for c in cols), self.key_sql))
        ids = dict((key, id_) for id_, key in run_values(self.cr, sql, rows, template, fetch=True))
        for key, values in creates.items():
            row = dict((c, values.get(c)) for c in cols)
            row.update(id=ids[key], active=True)
            self.rows[key] = row
        return ids

    def _copy_create(self, creates):
        """create() by COPY: ids reserved first, then every row in one statement (a row may reference
        another of the same COPY: the foreign keys are checked at its end)."""
        self.reserve_ids([key for key in creates if self.reserved.get(key) is None])
        ids = self.copy_insert(creates.items())
        cols = self.columns
        for key, values in creates.items():
            row = dict(zip(cols, map(values.get, cols)))
            row.update(id=ids[key], active=True)
            self.rows[key] = row
        return ids

    def copy_insert(self, items):
        """COPY the rows of ``items``, an iterable of (key, values) whose ids are reserved: it may be
        a generator, whose rows are made while PostgreSQL stores the ones before. Returns {key: id}
        (``rows`` is left alone: see _copy_create)."""
        cols = self.columns
        now, uid, reserved = transaction_now(self.cr), self.env.uid, self.reserved
        tail = (now, uid, now, uid, True, now)
        ids = {}

        def rows():
            for key, values in items:
                ids[key] = reserved[key]
                yield (ids[key],) + tuple(map(values.get, cols)) + tail
        copy_rows(self.cr, self.table, ["id"] + cols + ["create_date", "create_uid", "write_date", "write_uid",
                                                        "active", "last_sync_date"], rows())
        return ids

    def update(self, updates):
        """Rewrite changed rows (reactivating archived ones); returns the ids written."""
        if not updates:
            return []
        cols = list(self.columns)
        rows = []
        for key, values in updates.items():
            stored = self.rows[key]
            merged = dict((c, values[c] if c in values else stored[c]) for c in cols)
            rows.append((stored["id"],) + tuple(merged[c] for c in cols))
            stored.update(merged, active=True)
        template = "(%%s, %s)" % ", ".join("%%s::%s" % self._types[c] for c in cols)
        sql = ('UPDATE "%s" AS t SET %s, active = true, write_uid = %d, write_date = %s, last_sync_date = %s '
               'FROM (VALUES %%s) AS v(id, %s) WHERE t.id = v.id' % (
                   self.table, ", ".join('"%s" = v."%s"' % (c, c) for c in cols), self.env.uid, NOW, NOW,
                   ", ".join('"%s"' % c for c in cols)))
        run_values(self.cr, sql, rows, template)
        return [row[0] for row in rows]

    def archive(self, keys):
        ids = [self.rows[key]["id"] for key in keys]
        if ids:
            self.cr.execute('UPDATE "%s" SET active = false, write_uid = %%s, '
                            "write_date = now() at time zone 'UTC' WHERE id IN %%s" % self.table,
                            (self.env.uid, tuple(ids)))
            for key in keys:
                self.rows[key]["active"] = False
        return ids

    def id_of(self, key):
        row = self.rows.get(key)
        if row:
            return row["id"]
        indexed = self.index and self.index.get(key)
        return indexed[0] if indexed else self.reserved.get(key)

    def write_quiet(self, keys, wanted):
        """Store the quiet columns of unchanged rows whose stored value differs (without touching
        their write date: nothing the user sees changed)."""
        rows = []
        for key in keys:
            stored = self.rows[key]
            if any(stored[c] != wanted[key].get(c) for c in self.quiet):
                rows.append((stored["id"],) + tuple(wanted[key].get(c) for c in self.quiet))
                stored.update((c, wanted[key].get(c)) for c in self.quiet)
        if rows:
            template = "(%%s, %s)" % ", ".join("%%s::%s" % self._types[c] for c in self.quiet)
            run_values(self.cr, 'UPDATE "%s" AS t SET %s FROM (VALUES %%s) AS v(id, %s) WHERE t.id = v.id' % (
                self.table, ", ".join('"%s" = v."%s"' % (c, c) for c in self.quiet),
                ", ".join('"%s"' % c for c in self.quiet)), rows, template)
        return len(rows)

    def done(self, changed_ids, changed_fields):
        """Drop the ORM caches and let stored computed fields of other models (other addons) that
        depend on what changed recompute. Our own stored columns were written above."""
        invalidate_all(self.env)
        if not changed_ids:
            return
        recompute_dependents(self.model.browse(list(changed_ids)), changed_fields,
                             skip=lambda dep: dep.model_name == self.model._name and dep.name in self.columns)

def sync_relation(cr, table, left, right, wanted, scope=None, report=None, fresh=()):
    """Make the many2many ``table`` hold exactly ``wanted`` ({left_id: set(right_ids)}) for the
    left ids in ``scope`` (default: the keys of ``wanted``). Returns the left ids that changed;
    ``report`` (a dict), when given, receives {left_id: (old right ids, new right ids)} for them.
    ``fresh``: left ids of rows created in this transaction, which have no pairs yet (they are not
    read back, and many of their pairs go in by COPY)."""
    scope = set(wanted) if scope is None else set(scope)
    if not scope:
        return set()
    fresh = scope.intersection(fresh)
    known = scope - fresh
    existing = set()
    if known:
        cr.execute('SELECT "%s", "%s" FROM "%s" WHERE "%s" IN %%s' % (left, right, table, left), (tuple(known),))
        existing = set(cr.fetchall())
    desired = set((l, r) for l in scope for r in wanted.get(l, ()))
    to_add = sorted(desired - existing)
    to_remove = sorted(existing - desired)
    if report is not None:
        before = {}
        for l, r in existing:
            before.setdefault(l, set()).add(r)
        for changed in set(l for l, _r in to_add) | set(l for l, _r in to_remove):
            report[changed] = (before.get(changed, set()), set(wanted.get(changed, ())))
    if to_add and fresh:
        new_pairs = [pair for pair in to_add if pair[0] in fresh]
        if len(new_pairs) >= COPY_MIN:
            copy_rows(cr, table, [left, right], new_pairs)
            to_insert = [pair for pair in to_add if pair[0] not in fresh]
        else:
            to_insert = to_add
    else:
        to_insert = to_add
    if to_insert:
        run_values(cr, 'INSERT INTO "%s" ("%s", "%s") VALUES %%s ON CONFLICT DO NOTHING' % (table, left, right),
                   to_insert, "(%s, %s)")
    if to_remove:
        run_values(cr, 'DELETE FROM "%s" WHERE ("%s", "%s") IN (VALUES %%s)' % (table, left, right),
                       to_remove, "(%s, %s)")
    return set(l for l, _r in to_add) | set(l for l, _r in to_remove)


def stamp(env, table, ids):
    """Mark rows changed through their relations only (write and sync dates)."""
    if ids:
        env.cr.execute('UPDATE "%s" SET write_uid = %%s, write_date = %s, last_sync_date = %s WHERE id IN %%s'
                       % (table, NOW, NOW), (env.uid, tuple(ids)))
