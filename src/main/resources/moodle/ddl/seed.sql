-- Rows a fresh Moodle 4.1 site has that matter to ent-sync (lib/db/install.php, admin/index.php).
-- Portable SQL for H2 / PostgreSQL / MariaDB; ${prefix} is replaced by the table prefix.
-- Explicit ids are used; MoodleSchemaInstaller restarts every id sequence/identity above the
-- highest seeded id afterwards, so later inserts without an id never collide.
-- On H2 the installer runs this with NON_KEYWORDS=VALUE (config.value).

-- MNet: the local host (id 1, what user.mnethostid points to) and the "All Hosts" pseudo host.
INSERT INTO ${prefix}mnet_host (id, deleted, wwwroot, ip_address, name, public_key, public_key_expires, transport, portno, last_connect_time, last_log_id, force_theme, applicationid, sslverification)
VALUES (1, 0, 'http://localhost', '127.0.0.1', 'ent-sync embedded', '', 0, 0, 0, 0, 0, 0, 1, 0);
INSERT INTO ${prefix}mnet_host (id, deleted, wwwroot, ip_address, name, public_key, public_key_expires, transport, portno, last_connect_time, last_log_id, force_theme, applicationid, sslverification)
VALUES (2, 0, '', '', 'All Hosts', '', 0, 0, 0, 0, 0, 0, 1, 0);

INSERT INTO ${prefix}config (id, name, value) VALUES (1, 'mnet_localhost_id', '1');
INSERT INTO ${prefix}config (id, name, value) VALUES (2, 'mnet_all_hosts_id', '2');
INSERT INTO ${prefix}config (id, name, value) VALUES (3, 'sessiontimeout', '28800');
INSERT INTO ${prefix}config (id, name, value) VALUES (4, 'siteadmins', '2');
INSERT INTO ${prefix}config (id, name, value) VALUES (5, 'siteguest', '1');
INSERT INTO ${prefix}config (id, name, value) VALUES (6, 'extendedusernamechars', '0');
INSERT INTO ${prefix}config (id, name, value) VALUES (7, 'enrol_plugins_enabled', 'manual,guest,self,cohort');
INSERT INTO ${prefix}config (id, name, value) VALUES (8, 'lang', 'en');

-- System context, then the site (front page) course and its context.
INSERT INTO ${prefix}context (id, contextlevel, instanceid, path, depth, locked) VALUES (1, 10, 0, '/1', 1, 0);

INSERT INTO ${prefix}course (id, category, sortorder, fullname, shortname, idnumber, summary, summaryformat, format, newsitems, lang, calendartype, theme, timecreated, timemodified)
VALUES (1, 0, 1, 'ent-sync embedded site', 'entsync', '', '', 0, 'site', 3, '', '', '', 0, 0);
INSERT INTO ${prefix}context (id, contextlevel, instanceid, path, depth, locked) VALUES (2, 50, 1, '/1/2', 2, 0);

-- Guest (id 1) and admin (id 2) users with their user contexts.
INSERT INTO ${prefix}user (id, auth, confirmed, deleted, suspended, mnethostid, username, password, idnumber, firstname, lastname, email, lang, timezone, description, timecreated, timemodified)
VALUES (1, 'manual', 1, 0, 0, 1, 'guest', '', '', 'Guest user', ' ', 'root@localhost', 'en', '99', 'This user is a special user that allows read-only access to some courses.', 0, 0);
INSERT INTO ${prefix}user (id, auth, confirmed, deleted, suspended, mnethostid, username, password, idnumber, firstname, lastname, email, lang, timezone, timecreated, timemodified)
VALUES (2, 'manual', 1, 0, 0, 1, 'admin', '', '', 'Admin', 'User', 'root@localhost', 'en', '99', 0, 0);
INSERT INTO ${prefix}context (id, contextlevel, instanceid, path, depth, locked) VALUES (3, 30, 1, '/1/3', 2, 0);
INSERT INTO ${prefix}context (id, contextlevel, instanceid, path, depth, locked) VALUES (4, 30, 2, '/1/4', 2, 0);

-- The 8 standard roles (empty name/description = localised by Moodle), archetype = shortname.
INSERT INTO ${prefix}role (id, name, shortname, description, sortorder, archetype) VALUES (1, '', 'manager', '', 1, 'manager');
INSERT INTO ${prefix}role (id, name, shortname, description, sortorder, archetype) VALUES (2, '', 'coursecreator', '', 2, 'coursecreator');
INSERT INTO ${prefix}role (id, name, shortname, description, sortorder, archetype) VALUES (3, '', 'editingteacher', '', 3, 'editingteacher');
INSERT INTO ${prefix}role (id, name, shortname, description, sortorder, archetype) VALUES (4, '', 'teacher', '', 4, 'teacher');
INSERT INTO ${prefix}role (id, name, shortname, description, sortorder, archetype) VALUES (5, '', 'student', '', 5, 'student');
INSERT INTO ${prefix}role (id, name, shortname, description, sortorder, archetype) VALUES (6, '', 'guest', '', 6, 'guest');
INSERT INTO ${prefix}role (id, name, shortname, description, sortorder, archetype) VALUES (7, '', 'user', '', 7, 'user');
INSERT INTO ${prefix}role (id, name, shortname, description, sortorder, archetype) VALUES (8, '', 'frontpage', '', 8, 'frontpage');
