package org.entsync.pipeline;

import org.entsync.config.ConfigException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which entities a run syncs, from a command line's list (pure logic). */
class RunOptionsTest {

    @Test
    void entitiesNamedInAnyOrderRunInTheirOwnOrder() {
        assertEquals(List.of("users", "cohorts", "roles"), RunOptions.select(List.of("roles", "users", "cohorts"), "--entities"));
        assertEquals(RunOptions.ALL, RunOptions.select(null, "--entities"));
        assertEquals(RunOptions.ALL, RunOptions.select(List.of(), "--entities"));
    }

    @Test
    void anUnknownEntityIsRefusedNamingTheOptionAndTheKnownOnes() {
        ConfigException e = assertThrows(ConfigException.class, () -> RunOptions.select(List.of("users", "courses"), "--entities"));
        assertTrue(e.getMessage().contains("--entities: unknown entity 'courses'"), e.getMessage());
        assertTrue(e.getMessage().contains(RunOptions.ALL.toString()), e.getMessage());
    }
}
