package dev.licensekit;

/**
 * A failed licensekit call: {@link #status()} says what failed, {@link #detail()} what the
 * library said about it ({@code lk_last_error_message}, e.g. which argument).
 */
public class LicensekitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int code;
    private final String detail;

    LicensekitException(int code, String detail) {
        super(Licensing.statusName(code) + ": " + detail);
        this.code = code;
        this.detail = detail;
    }

    /** The status the library returned. */
    public Status status() {
        return Status.of(code);
    }

    /** The C value of the status. */
    public int code() {
        return code;
    }

    /** The library's detail for this failure (its status message when it gave none). */
    public String detail() {
        return detail;
    }
}
