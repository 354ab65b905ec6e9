package io.pgwal.avro;

/**
 * Turns one column value in PostgreSQL's text output format (UTF-8 bytes, usually a slice of a
 * pgoutput message) into the Avro Java value of the column's schema. Implementations are stateless
 * and thread-safe; they throw {@link io.pgwal.PgWalException} naming the column for input they
 * cannot represent.
 */
@FunctionalInterface
public interface ValueConverter {

    /** Converts {@code len} bytes starting at {@code off}; never returns null. */
    Object convert(byte[] buf, int off, int len);
}
