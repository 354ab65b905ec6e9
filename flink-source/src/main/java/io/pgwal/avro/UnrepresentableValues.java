package io.pgwal.avro;

import io.pgwal.PgWalException;
import java.util.Locale;

/**
 * What pgwal does with a value PostgreSQL accepted but the column's Avro type cannot hold (see
 * {@link UnrepresentableValueException}); option {@code values.unrepresentable}.
 *
 * <p>{@link #NULL} (the default) emits SQL NULL in that column and logs a WARN line naming the
 * table, column, value and LSN, and counts it: the stream never stops for good on a value that
 * was legal when it was written, and every change already in the slot gets past it. {@link #FAIL}
 * ends the job once with the same facts, for pipelines that would rather stop. A replica identity
 * column cannot be null, so such a value there always fails.
 */
public enum UnrepresentableValues {
    NULL("null"),
    FAIL("fail");

    /** The option's key. */
    public static final String OPTION = "values.unrepresentable";

    private final String value;

    UnrepresentableValues(String value) {
        this.value = value;
    }

    /** The option's value, as users write it. */
    public String value() {
        return value;
    }

    /**
     * Parses the option's value (case-insensitive).
     *
     * @throws PgWalException naming the option and the accepted values
     */
    public static UnrepresentableValues fromString(String s) {
        for (UnrepresentableValues v : values()) {
            if (v.value.equals(s.trim().toLowerCase(Locale.ROOT))) {
                return v;
            }
        }
        throw new PgWalException("Option '" + OPTION + "' is '" + s + "'; it must be 'null' or"
                + " 'fail'");
    }
}
