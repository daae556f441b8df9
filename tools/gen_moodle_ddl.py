#!/usr/bin/env python3
"""Generates src/main/resources/moodle/ddl/{h2,postgresql,mariadb}.sql.

The table definitions below are transcribed from Moodle 4.1's lib/db/install.xml (XMLDB) for the
tables ent-sync reads or writes. The type mapping follows Moodle's own DDL generators
(lib/ddl/postgres_sql_generator.php, mysql_sql_generator.php):
  int(n>9) BIGINT | int(5..9) INTEGER (MariaDB: INT(n) 7..9, MEDIUMINT(n) 5..6) | int(1..4) SMALLINT
  (MariaDB: SMALLINT(n) 3..4, TINYINT(n) 1..2); char(n) VARCHAR(n); text TEXT/LONGTEXT;
  number(p,s) NUMERIC/DECIMAL; NOT NULL char without default -> DEFAULT ''.
XMLDB unique keys become unique indexes, foreign keys become plain indexes (no FK constraints).

Run from the repository root:  python3 tools/gen_moodle_ddl.py
"""
import os

# (name, type, length, notnull, default)   type: int | char | text | number(p,s) as ('number', (p, s))
def I(name, n, nn=True, d=None): return (name, 'int', n, nn, d)
def C(name, n, nn=True, d=None): return (name, 'char', n, nn, d)
def T(name, nn=True): return (name, 'text', None, nn, None)
def N(name, p, s, nn=True, d=None): return (name, 'number', (p, s), nn, d)

# table -> (fields, indexes[(unique, [cols])], hints{cols: 'varchar_pattern_ops'})
TABLES = {}
def table(name, fields, uniques=(), indexes=(), fks=(), pattern=()):
    idx = [(True, list(c)) for c in uniques] + [(False, list(c)) for c in indexes]
    for c in fks:  # FK -> plain index, unless an index on exactly those fields exists already
        if not any(cols == list(c) for _, cols in idx):
            idx.append((False, list(c)))
    TABLES[name] = ([('id', 'int', 10, True, 'SEQ')] + list(fields), idx, set(pattern))

table('config', [C('name', 255), T('value')], uniques=[('name',)])

table('mnet_host', [
    I('deleted', 1, d=0), C('wwwroot', 255), C('ip_address', 45), C('name', 80), T('public_key'),
    I('public_key_expires', 10, d=0), I('transport', 2, d=0), I('portno', 5, d=0),
    I('last_connect_time', 10, d=0), I('last_log_id', 10, d=0), I('force_theme', 1, d=0),
    C('theme', 100, nn=False), I('applicationid', 10, d=1), I('sslverification', 1, d=0)],
    fks=[('applicationid',)])

table('user', [
    C('auth', 20, d='manual'), I('confirmed', 1, d=0), I('policyagreed', 1, d=0), I('deleted', 1, d=0),
    I('suspended', 1, d=0), I('mnethostid', 10, d=0), C('username', 100), C('password', 255),
    C('idnumber', 255), C('firstname', 100), C('lastname', 100), C('email', 100), I('emailstop', 1, d=0),
    C('phone1', 20), C('phone2', 20), C('institution', 255), C('department', 255), C('address', 255),
    C('city', 120), C('country', 2), C('lang', 30, d='en'), C('calendartype', 30, d='gregorian'),
    C('theme', 50), C('timezone', 100, d='99'), I('firstaccess', 10, d=0), I('lastaccess', 10, d=0),
    I('lastlogin', 10, d=0), I('currentlogin', 10, d=0), C('lastip', 45), C('secret', 15),
    I('picture', 10, d=0), T('description', nn=False), I('descriptionformat', 2, d=1),
    I('mailformat', 1, d=1), I('maildigest', 1, d=0), I('maildisplay', 2, d=2), I('autosubscribe', 1, d=1),
    I('trackforums', 1, d=0), I('timecreated', 10, d=0), I('timemodified', 10, d=0),
    I('trustbitmask', 10, d=0), C('imagealt', 255, nn=False), C('lastnamephonetic', 255, nn=False),
    C('firstnamephonetic', 255, nn=False), C('middlename', 255, nn=False),
    C('alternatename', 255, nn=False), C('moodlenetprofile', 255, nn=False)],
    uniques=[('mnethostid', 'username')],
    indexes=[('deleted',), ('confirmed',), ('firstname',), ('lastname',), ('city',), ('country',),
             ('lastaccess',), ('email',), ('auth',), ('idnumber',), ('firstnamephonetic',),
             ('lastnamephonetic',), ('middlename',), ('alternatename',)])

table('context', [
    I('contextlevel', 10, d=0), I('instanceid', 10, d=0), C('path', 255, nn=False), I('depth', 2, d=0),
    I('locked', 2, d=0)],
    uniques=[('contextlevel', 'instanceid')], indexes=[('instanceid',), ('path',)], pattern=[('path',)])

table('role', [
    C('name', 255), C('shortname', 100), T('description'), I('sortorder', 10, d=0), C('archetype', 30)],
    uniques=[('sortorder',), ('shortname',)])

table('role_assignments', [
    I('roleid', 10, d=0), I('contextid', 10, d=0), I('userid', 10, d=0), I('timemodified', 10, d=0),
    I('modifierid', 10, d=0), C('component', 100), I('itemid', 10, d=0), I('sortorder', 10, d=0)],
    indexes=[('sortorder',), ('roleid', 'contextid'), ('userid', 'contextid', 'roleid'),
             ('component', 'itemid', 'userid')],
    fks=[('roleid',), ('contextid',), ('userid',)])

table('course_categories', [
    C('name', 255), C('idnumber', 100, nn=False), T('description', nn=False), I('descriptionformat', 2, d=0),
    I('parent', 10, d=0), I('sortorder', 10, d=0), I('coursecount', 10, d=0), I('visible', 1, d=1),
    I('visibleold', 1, d=1), I('timemodified', 10, d=0), I('depth', 10, d=0), C('path', 255),
    C('theme', 50, nn=False)],
    fks=[('parent',)])

table('course', [
    I('category', 10, d=0), I('sortorder', 10, d=0), C('fullname', 254), C('shortname', 255),
    C('idnumber', 100), T('summary', nn=False), I('summaryformat', 2, d=0), C('format', 21, d='topics'),
    I('showgrades', 2, d=1), I('newsitems', 5, d=1), I('startdate', 10, d=0), I('enddate', 10, d=0),
    I('relativedatesmode', 1, d=0), I('marker', 10, d=0), I('maxbytes', 10, d=0), I('legacyfiles', 4, d=0),
    I('showreports', 4, d=0), I('visible', 1, d=1), I('visibleold', 1, d=1), I('downloadcontent', 1, nn=False),
    I('groupmode', 4, d=0), I('groupmodeforce', 4, d=0), I('defaultgroupingid', 10, d=0), C('lang', 30),
    C('calendartype', 30), C('theme', 50), I('timecreated', 10, d=0), I('timemodified', 10, d=0),
    I('requested', 1, d=0), I('enablecompletion', 1, d=0), I('completionnotify', 1, d=0),
    I('cacherev', 10, d=0), I('originalcourseid', 10, nn=False), I('showactivitydates', 1, d=0),
    I('showcompletionconditions', 1, nn=False)],
    indexes=[('category',), ('idnumber',), ('shortname',), ('sortorder',)], fks=[('originalcourseid',)])

table('enrol', [
    C('enrol', 20), I('status', 10, d=0), I('courseid', 10), I('sortorder', 10, d=0), C('name', 255, nn=False),
    I('enrolperiod', 10, nn=False, d=0), I('enrolstartdate', 10, nn=False, d=0),
    I('enrolenddate', 10, nn=False, d=0), I('expirynotify', 1, nn=False, d=0),
    I('expirythreshold', 10, nn=False, d=0), I('notifyall', 1, nn=False, d=0), C('password', 50, nn=False),
    C('cost', 20, nn=False), C('currency', 3, nn=False), I('roleid', 10, nn=False, d=0)]
    + [I('customint%d' % i, 10, nn=False) for i in range(1, 9)]
    + [C('customchar1', 255, nn=False), C('customchar2', 255, nn=False), C('customchar3', 1333, nn=False),
       N('customdec1', 12, 7, nn=False), N('customdec2', 12, 7, nn=False)]
    + [T('customtext%d' % i, nn=False) for i in range(1, 5)]
    + [I('timecreated', 10, d=0), I('timemodified', 10, d=0)],
    indexes=[('enrol',)], fks=[('courseid',), ('roleid',)])

table('user_enrolments', [
    I('status', 10, d=0), I('enrolid', 10), I('userid', 10), I('timestart', 10, d=0),
    I('timeend', 10, d=2147483647), I('modifierid', 10, d=0), I('timecreated', 10, d=0),
    I('timemodified', 10, d=0)],
    uniques=[('enrolid', 'userid')], fks=[('enrolid',), ('userid',), ('modifierid',)])

table('groups', [
    I('courseid', 10), C('idnumber', 100), C('name', 254), T('description', nn=False),
    I('descriptionformat', 2, d=0), C('enrolmentkey', 50, nn=False), I('picture', 10, d=0),
    I('timecreated', 10, d=0), I('timemodified', 10, d=0)],
    indexes=[('idnumber',)], fks=[('courseid',)])

table('groupings', [
    I('courseid', 10, d=0), C('name', 255), C('idnumber', 100), T('description', nn=False),
    I('descriptionformat', 2, d=0), T('configdata', nn=False), I('timecreated', 10, d=0),
    I('timemodified', 10, d=0)],
    indexes=[('idnumber',)], fks=[('courseid',)])

table('groups_members', [
    I('groupid', 10, d=0), I('userid', 10, d=0), I('timeadded', 10, d=0), C('component', 100),
    I('itemid', 10, d=0)],
    uniques=[('userid', 'groupid')], fks=[('groupid',), ('userid',)])

table('groupings_groups', [
    I('groupingid', 10, d=0), I('groupid', 10, d=0), I('timeadded', 10, d=0)],
    fks=[('groupingid',), ('groupid',)])

table('cohort', [
    I('contextid', 10), C('name', 254), C('idnumber', 100, nn=False), T('description', nn=False),
    I('descriptionformat', 2), I('visible', 1, d=1), C('component', 100), I('timecreated', 10),
    I('timemodified', 10), C('theme', 50, nn=False)],
    fks=[('contextid',)])

table('cohort_members', [
    I('cohortid', 10, d=0), I('userid', 10, d=0), I('timeadded', 10, d=0)],
    uniques=[('cohortid', 'userid')], fks=[('cohortid',), ('userid',)])

table('user_info_category', [C('name', 255), I('sortorder', 10, d=0)])

table('user_info_field', [
    C('shortname', 255, d='shortname'), T('name'), C('datatype', 255), T('description', nn=False),
    I('descriptionformat', 2, d=0), I('categoryid', 10, d=0), I('sortorder', 10, d=0), I('required', 2, d=0),
    I('locked', 2, d=0), I('visible', 4, d=0), I('forceunique', 2, d=0), I('signup', 2, d=0),
    T('defaultdata', nn=False), I('defaultdataformat', 2, d=0)]
    + [T('param%d' % i, nn=False) for i in range(1, 6)])

table('user_info_data', [
    I('userid', 10, d=0), I('fieldid', 10, d=0), T('data'), I('dataformat', 2, d=0)],
    uniques=[('userid', 'fieldid')])

table('cache_flags', [
    C('flagtype', 255), C('name', 255), I('timemodified', 10, d=0), T('value'), I('expiry', 10)],
    indexes=[('flagtype',), ('name',)])

# H2 keywords that are also Moodle column names: quoted upper-case, so unquoted references
# still resolve (H2 folds unquoted identifiers to upper case). Connections should also use
# NON_KEYWORDS=VALUE so that ordinary SQL can write `value` unquoted.
H2_RESERVED = {'value'}

def int_type(dialect, n):
    if dialect == 'mariadb':
        if n > 9: return 'BIGINT(%d)' % n
        if n > 6: return 'INT(%d)' % n
        if n > 4: return 'MEDIUMINT(%d)' % n
        if n > 2: return 'SMALLINT(%d)' % n
        return 'TINYINT(%d)' % n
    if n > 9: return 'BIGINT'
    if n > 4: return 'INTEGER'
    return 'SMALLINT'

def col_sql(dialect, f):
    name, typ, ln, nn, d = f
    ident = '"%s"' % name.upper() if dialect == 'h2' and name in H2_RESERVED else name
    if d == 'SEQ':
        if dialect == 'postgresql': return '%s BIGSERIAL' % ident
        if dialect == 'mariadb': return '%s BIGINT(10) NOT NULL AUTO_INCREMENT' % ident
        return '%s BIGINT GENERATED BY DEFAULT AS IDENTITY' % ident
    if typ == 'int':
        t = int_type(dialect, ln)
    elif typ == 'char':
        t = 'VARCHAR(%d)' % ln
    elif typ == 'text':
        t = {'postgresql': 'TEXT', 'mariadb': 'LONGTEXT', 'h2': 'CHARACTER VARYING'}[dialect]
    else:
        t = ('DECIMAL(%d,%d)' if dialect == 'mariadb' else 'NUMERIC(%d,%d)') % ln
    if d is None and nn and typ == 'char':
        d = ''
    s = ident + ' ' + t
    if nn: s += ' NOT NULL'
    if d is not None:
        s += " DEFAULT '%s'" % d if typ == 'char' else ' DEFAULT %s' % d
    return s

def index_name(tab, cols, unique, suffix=''):
    return '${prefix}%s_%s_%s%s' % (tab, '_'.join(cols), 'uix' if unique else 'ix', suffix)

def generate(dialect):
    out = ['-- GENERATED by tools/gen_moodle_ddl.py - do not edit by hand.',
           '-- Moodle 4.1 (lib/db/install.xml) tables used by ent-sync, %s dialect.' % dialect,
           '-- ${prefix} is replaced by the table prefix (required, e.g. mdl_): several table names',
           '-- (user, groups) are reserved words without it.', '']
    if dialect == 'h2':
        out.insert(4, '-- H2: text columns are CHARACTER VARYING; column "VALUE" is quoted (H2 keyword).')
    for tab, (fields, idx, pattern) in TABLES.items():
        cols = [col_sql(dialect, f) for f in fields]
        cols.append('CONSTRAINT ${prefix}%s_id_pk PRIMARY KEY (id)' % tab)
        tail = ')'
        if dialect == 'mariadb':
            tail = ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC'
        out.append('CREATE TABLE ${prefix}%s (' % tab)
        out.append(',\n'.join('    ' + c for c in cols))
        out.append(tail + ';')
        for unique, icols in idx:
            q = ['"%s"' % c.upper() if dialect == 'h2' and c in H2_RESERVED else c for c in icols]
            out.append('CREATE %sINDEX %s ON ${prefix}%s (%s);' % (
                'UNIQUE ' if unique else '', index_name(tab, icols, unique), tab, ', '.join(q)))
            if dialect == 'postgresql' and tuple(icols) in pattern:
                out.append('CREATE INDEX %s ON ${prefix}%s (%s varchar_pattern_ops);' % (
                    index_name(tab, icols, unique, '_pattern'), tab, ', '.join(icols)))
        out.append('')
    return '\n'.join(out)

if __name__ == '__main__':
    here = os.path.join('src', 'main', 'resources', 'moodle', 'ddl')
    os.makedirs(here, exist_ok=True)
    for d in ('h2', 'postgresql', 'mariadb'):
        with open(os.path.join(here, d + '.sql'), 'w') as fh:
            fh.write(generate(d))
