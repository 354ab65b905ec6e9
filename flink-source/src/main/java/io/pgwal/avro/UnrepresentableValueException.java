package io.pgwal.avro;

import io.pgwal.PgWalException;

/**
 * Thrown by a {@link ValueConverter} for a value that PostgreSQL accepted but that the column's
 * Avro type cannot hold: {@code NaN} in a {@code numeric(p,s)} (an Avro decimal has no NaN), or a
 * timestamp after 294247 AD (beyond a long of epoch microseconds). {@link AvroChangeConverter}
 * turns it into SQL NULL or into an error with the table, column and LSN, as {@link
 * UnrepresentableValues} says.
 */
public final class UnrepresentableValueException extends PgWalException {

    private final String value;

    /** @param value the value's PostgreSQL text, for messages */
    public UnrepresentableValueException(String message, String value) {
        super(message);
        this.value = value;
    }

    /** The value's PostgreSQL text form. */
    public String value() {
        return value;
    }
}
