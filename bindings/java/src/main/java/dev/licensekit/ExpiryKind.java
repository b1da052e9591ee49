package dev.licensekit;

/** Which date {@link Client#expiry} reports ({@code lk_expiry_kind}). */
public enum ExpiryKind {
    /** The end of the subscription, the expiration date or the trial's end. */
    LICENSE(0),
    /** The end of maintenance. */
    MAINTENANCE(1),
    /** When the lease should be refreshed by. */
    LEASE(2),
    /** When the license stops working without a refresh. */
    GRACE(3);

    private final int code;

    ExpiryKind(int code) {
        this.code = code;
    }

    /** The C value. */
    public int code() {
        return code;
    }
}
