package org.entsync.moodle;

/** Moodle schema on an embedded H2 file database. */
class MoodleSchemaH2Test extends MoodleSchemaTestBase {
    @Override
    protected Dialect dialect() {
        return Dialect.H2;
    }
}
