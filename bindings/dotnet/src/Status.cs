namespace Licensekit
{
    /// <summary>
    /// The outcome of every licensekit operation: the <c>lk_status</c> values of
    /// include/licensekit.h under .NET names (<c>LK_NOT_ACTIVATED</c> is
    /// <see cref="NotActivated"/>). The tests parse the header and fail when a status is
    /// missing here or has another number.
    /// </summary>
    public enum Status : uint
    {
        Ok = 0,
        NullPointer = 1,
        InvalidUtf8 = 2,
        BufferTooSmall = 3,
        InvalidArgument = 4,
        Internal = 5,
        NoPublicKey = 6,
        InvalidPublicKey = 7,
        InvalidProductId = 8,
        NotActivated = 100,
        Expired = 101,
        LeaseExpired = 102,
        Disabled = 103,
        Deactivated = 104,
        WrongMachine = 105,
        ClockTampered = 106,
        VmNotAllowed = 107,
        TrialExpired = 108,
        FeatureNotEnabled = 109,
        ActivationLimit = 110,
        InvalidLicenseCode = 111,
        TrialUnavailable = 112,
        NoLicense = 113,
        SeatsExhausted = 114,
        PoolExhausted = 115,
        TokensExhausted = 116,
        ConcurrencyLimit = 117,
        SeatLost = 118,
        LongTermCheckoutRefused = 119,
        FeatureUnknown = 120,
        NoSeat = 121,
        CloneDetected = 122,
        SeatTaken = 123,
        NetworkLicenseOnly = 124,
        NotNetworkLicense = 125,
        InvalidCredentials = 126,
        UserLocked = 127,
        UserNotLicensed = 128,
        JournalRefused = 129,
        MalformedEnvelope = 200,
        EnvelopeTooLarge = 201,
        UnsupportedVersion = 202,
        UnknownKey = 203,
        BadSignature = 204,
        WrongKind = 205,
        MalformedPayload = 206,
        StaleLease = 207,
        FutureLease = 208,
        MismatchedLease = 209,
        WrongProduct = 210,
        WrongRequest = 211,
        StoreIo = 300,
        StoreCorrupt = 301,
        StoreTruncated = 302,
        StoreVersion = 303,
        StoreRolledBack = 304,
        MachineIdUnavailable = 500,
        NoServer = 600,
        Network = 601,
        Timeout = 602,
        ServerError = 603,
        BadResponse = 604,
        ServerRefused = 605,
        ClockSkew = 606,
        NoLanServer = 700,
        LanUnreachable = 701,
        NetworkSeatsExhausted = 702,
        DaemonNotCertified = 703,
    }

    /// <summary>Which date <see cref="Client.Expiry"/> reports (<c>lk_expiry_kind</c>).</summary>
    public enum ExpiryKind : uint
    {
        /// <summary>The end of the subscription, the expiration date or the trial's end.</summary>
        License = 0,
        /// <summary>The end of maintenance.</summary>
        Maintenance = 1,
        /// <summary>When the lease should be refreshed by.</summary>
        Lease = 2,
        /// <summary>When the license stops working without a refresh.</summary>
        Grace = 3,
    }
}
