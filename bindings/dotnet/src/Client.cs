using System;
using System.Threading.Tasks;

namespace Licensekit
{
    /// <summary>
    /// A licensing client for one product. Thread-safe: share one between threads.
    /// </summary>
    /// <remarks>
    /// Questions answered by a status (<see cref="LicenseStatus"/>, <see cref="FeatureEnabled"/>)
    /// return it instead of throwing, so a hot path never pays for exceptions; every other
    /// failure throws <see cref="LicensekitException"/>. Network calls block for at most the
    /// configured timeout; their <c>Async</c> forms run them on the thread pool, off the UI
    /// thread (the exception, with its detail, is made on the thread that failed).
    /// </remarks>
    public sealed class Client : IDisposable
    {
        private readonly ClientHandle handle;
        private readonly object callbackLock = new object();
        private Action<Status> statusChanged;

        /// <summary>A client for <paramref name="config"/>'s product, loading its store.</summary>
        public Client(Config config)
        {
            if (config == null) throw new ArgumentNullException(nameof(config));
            Call.Check(Native.Library.lk_client_new(config.Handle, out handle));
        }

        private static Native Lib => Native.Library;

        /// <summary>This computer's ID as this client reports it to the server.</summary>
        public string ComputerId => Call.StringOut((byte[] b, UIntPtr l, out UIntPtr n) => Lib.lk_client_computer_id(handle, b, l, out n));

        /// <summary><see cref="Status.Ok"/> when the product is licensed now; otherwise why not. Local.</summary>
        public Status LicenseStatus => Lib.lk_license_status(handle);

        /// <summary><see cref="Status.Ok"/> when <paramref name="feature"/> may be used now. Local.</summary>
        public Status FeatureEnabled(string feature)
        {
            IntPtr code = feature == null || handle.IsClosed ? IntPtr.Zero : handle.FeatureCode(feature);
            return code != IntPtr.Zero ? Lib.lk_feature_enabled_cstring(handle, code)
                : Lib.lk_feature_enabled(handle, Utf8.Encode(feature));
        }

        /// <summary>The value of a user-defined field (<see cref="Status.InvalidArgument"/> when absent).</summary>
        public string Udf(string name)
        {
            byte[] n8 = Utf8.Encode(name);
            return Call.StringOut((byte[] b, UIntPtr l, out UIntPtr n) => Lib.lk_udf_value(handle, n8, b, l, out n));
        }

        /// <summary>The license as a JSON object (status, features, UDFs, dates in Unix seconds).</summary>
        public string LicenseInfoJson => Call.StringOut((byte[] b, UIntPtr l, out UIntPtr n) => Lib.lk_license_info_json(handle, b, l, out n));

        /// <summary>The redacted support bundle as a JSON object.</summary>
        public string DiagnosticsJson => Call.StringOut((byte[] b, UIntPtr l, out UIntPtr n) => Lib.lk_diagnostics_json(handle, b, l, out n));

        /// <summary>A date of the license in Unix seconds (0: the license has no such date).</summary>
        public long Expiry(ExpiryKind kind)
        {
            long t;
            Call.Check(Lib.lk_expiry(handle, (uint)kind, out t));
            return t;
        }

        /// <summary>Offline use left before the lease expires.</summary>
        public TimeSpan GraceRemaining
        {
            get
            {
                long s;
                Call.Check(Lib.lk_grace_remaining(handle, out s));
                return TimeSpan.FromSeconds(s);
            }
        }

        /// <summary>
        /// Raised whenever the license status changes, on the thread that noticed it (often a
        /// licensekit background thread): marshal to the UI thread yourself. An exception a
        /// handler throws is dropped: it cannot cross into the native library.
        /// </summary>
        public event Action<Status> StatusChanged
        {
            add
            {
                lock (callbackLock)
                {
                    if (statusChanged == null && handle.Callback == null)
                    {
                        Native.StatusCallback thunk = OnNativeStatus;
                        Call.Check(Lib.lk_set_status_callback(handle, thunk, IntPtr.Zero));
                        handle.Callback = thunk;
                    }
                    statusChanged += value;
                }
            }
            remove
            {
                lock (callbackLock)
                {
                    statusChanged -= value;
                }
            }
        }

        private void OnNativeStatus(Status status, IntPtr userData)
        {
            Action<Status> handlers;
            lock (callbackLock) handlers = statusChanged;
            if (handlers == null) return;
            foreach (Action<Status> handler in handlers.GetInvocationList())
            {
                try
                {
                    handler(status);
                }
                catch (Exception)
                {
                    // Nothing may unwind into the library's thread; the handler owns its errors.
                }
            }
        }

        /// <summary>Activates <paramref name="licenseCode"/> on this computer (network call).</summary>
        public void Activate(string licenseCode) => Call.Check(Lib.lk_activate(handle, Utf8.Encode(licenseCode)));

        /// <summary>Renews the lease now (a background thread also does it before it ends).</summary>
        public void Refresh() => Call.Check(Lib.lk_refresh(handle));

        /// <summary>Gives this computer's seat back.</summary>
        public void Deactivate() => Call.Check(Lib.lk_deactivate(handle));

        /// <summary>Starts (or resumes) the product's trial on this computer.</summary>
        public void StartTrial() => Call.Check(Lib.lk_start_trial(handle));

        /// <summary><see cref="Activate"/> on the thread pool.</summary>
        public Task ActivateAsync(string licenseCode) => Task.Run(() => Activate(licenseCode));

        /// <summary><see cref="Refresh"/> on the thread pool.</summary>
        public Task RefreshAsync() => Task.Run(() => Refresh());

        /// <summary><see cref="Deactivate"/> on the thread pool.</summary>
        public Task DeactivateAsync() => Task.Run(() => Deactivate());

        /// <summary><see cref="StartTrial"/> on the thread pool.</summary>
        public Task StartTrialAsync() => Task.Run(() => StartTrial());

        /// <summary>An armoured activation request for an air-gapped computer.</summary>
        public string OfflineActivationRequest(string licenseCode)
        {
            byte[] code = Utf8.Encode(licenseCode);
            return Call.StringOut((byte[] b, UIntPtr l, out UIntPtr n) => Lib.lk_offline_activation_request(handle, code, b, l, out n));
        }

        /// <summary>Imports an activation certificate or a passive license.</summary>
        public void ImportCertificate(string text) => Call.Check(Lib.lk_import_certificate(handle, Utf8.Encode(text)));

        /// <summary>Removes the license and returns the deactivation certificate for the vendor.</summary>
        public string OfflineDeactivationCertificate() =>
            Call.StringOut((byte[] b, UIntPtr l, out UIntPtr n) => Lib.lk_offline_deactivation_certificate(handle, b, l, out n));

        /// <summary>Takes a floating seat of <paramref name="feature"/>, kept by heartbeats until checked in.</summary>
        public void FloatingCheckout(string feature) => Call.Check(Lib.lk_floating_checkout(handle, Utf8.Encode(feature)));

        /// <summary>Checks a floating seat out for <paramref name="days"/> days (long-term check-out).</summary>
        public void FloatingCheckoutLongTerm(string feature, uint days) =>
            Call.Check(Lib.lk_floating_checkout_long_term(handle, Utf8.Encode(feature), days));

        /// <summary>Gives the floating seat of <paramref name="feature"/> back.</summary>
        public void FloatingCheckin(string feature) => Call.Check(Lib.lk_floating_checkin(handle, Utf8.Encode(feature)));

        /// <summary>Draws <paramref name="n"/> elements from an element pool.</summary>
        public void PoolCheckout(string feature, uint n) => Call.Check(Lib.lk_pool_checkout(handle, Utf8.Encode(feature), n));

        /// <summary>Returns <paramref name="n"/> elements to an element pool.</summary>
        public void PoolCheckin(string feature, uint n) => Call.Check(Lib.lk_pool_checkin(handle, Utf8.Encode(feature), n));

        /// <summary>Spends <paramref name="n"/> consumption tokens; returns the tokens left.</summary>
        public ulong ConsumeTokens(string feature, uint n)
        {
            ulong remaining;
            Call.Check(Lib.lk_consume_tokens(handle, Utf8.Encode(feature), n, out remaining));
            return remaining;
        }

        /// <summary>Opens this process's cloud-concurrency session.</summary>
        public void SessionOpen() => Call.Check(Lib.lk_session_open(handle));

        /// <summary>Closes the cloud-concurrency session.</summary>
        public void SessionClose() => Call.Check(Lib.lk_session_close(handle));

        /// <summary>Frees the client; no status change is reported after it returns.</summary>
        public void Dispose() => handle.Dispose();
    }
}
