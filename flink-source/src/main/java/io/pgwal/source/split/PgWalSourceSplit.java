package io.pgwal.source.split;

import org.apache.flink.api.connector.source.SourceSplit;

/**
 * A split of the pgwal source: the one {@link PgWalSplit stream split} that reads the slot, or a
 * {@link PgWalSnapshotSplit snapshot split} (one chunk of one table's initial snapshot).
 */
public sealed interface PgWalSourceSplit extends SourceSplit permits PgWalSplit, PgWalSnapshotSplit {}
