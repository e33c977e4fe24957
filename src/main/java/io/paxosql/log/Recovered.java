package io.paxosql.log;

import java.util.List;

/**
 * What a node restarts from.
 *
 * @param promised      the latest promise (round 0, node -1 if none)
 * @param accepted      the latest acceptance per instance at or above {@code chosenBelow}
 * @param members       every member-set record kept
 * @param firstRetained the first chosen instance still held (older ones were deleted by retention)
 * @param chosenBelow   every instance below this is chosen and held from {@code firstRetained} on
 */
public record Recovered(LogRecord.Promised promised, List<LogRecord.Accepted> accepted,
                        List<LogRecord.Members> members, long firstRetained, long chosenBelow) {}
