package io.pgwal.replication;

/** {@link ReplicationSessionContract} on PostgreSQL 18. */
class ReplicationSessionPg18ITCase extends ReplicationSessionContract {

    @Override
    int major() {
        return 18;
    }
}
