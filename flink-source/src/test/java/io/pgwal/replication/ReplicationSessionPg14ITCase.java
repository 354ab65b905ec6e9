package io.pgwal.replication;

/** {@link ReplicationSessionContract} on PostgreSQL 14. */
class ReplicationSessionPg14ITCase extends ReplicationSessionContract {

    @Override
    int major() {
        return 14;
    }
}
