using System;

namespace Licensekit
{
    /// <summary>
    /// A failed licensekit call: <see cref="Status"/> says what failed, <see cref="Detail"/>
    /// what the library said about it (<c>lk_last_error_message</c>, e.g. which argument).
    /// </summary>
    public class LicensekitException : Exception
    {
        /// <summary>The status the library returned.</summary>
        public Status Status { get; }

        /// <summary>The library's detail for this failure (its status message when it gave none).</summary>
        public string Detail { get; }

        public LicensekitException(Status status, string detail)
            : base(Licensing.StatusName(status) + ": " + detail)
        {
            Status = status;
            Detail = detail;
        }
    }
}
