//! Reading values of the Windows registry: the computer ID's anchor and VM evidence
//! (`machine/windows.rs`), the user's proxy settings (`online/system_proxy.rs`). Read-only,
//! always through the 64-bit view (`KEY_WOW64_64KEY`), so a 32-bit process under WOW64 reads
//! the same `HKLM\SOFTWARE` as a 64-bit one instead of its redirected `WOW6432Node` copy.

use windows_sys::Win32::Foundation::ERROR_SUCCESS;
#[cfg(feature = "client")]
use windows_sys::Win32::System::Registry::RRF_RT_REG_DWORD;
use windows_sys::Win32::System::Registry::{
    HKEY, KEY_QUERY_VALUE, KEY_WOW64_64KEY, RRF_RT_REG_SZ, RegCloseKey, RegGetValueW, RegOpenKeyExW,
};

pub(crate) use windows_sys::Win32::System::Registry::{HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE};

/// The longest string value read, in bytes: the values read here are short, and a bound
/// keeps a planted huge value from costing memory.
const MAX_STRING_BYTES: u32 = 64 * 1024;

/// An open registry key, closed when dropped.
#[derive(Debug)]
pub(crate) struct Key(HKEY);

/// A NUL-terminated UTF-16 copy of `text`, for the `W` functions.
pub(crate) fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}

impl Key {
    /// Opens `path` under `hive` for reading, or `None` if it does not exist (or is denied).
    pub fn open(hive: HKEY, path: &str) -> Option<Key> {
        let path = wide(path);
        let mut key: HKEY = std::ptr::null_mut();
        // SAFETY: `path` is NUL-terminated and outlives the call; `key` is a valid out pointer.
        let status =
            unsafe { RegOpenKeyExW(hive, path.as_ptr(), 0, KEY_QUERY_VALUE | KEY_WOW64_64KEY, &mut key) };
        (status == ERROR_SUCCESS).then_some(Key(key))
    }

    /// Whether `path` exists under `hive`.
    pub fn exists(hive: HKEY, path: &str) -> bool {
        Key::open(hive, path).is_some()
    }

    /// A `REG_SZ` value, or `None` if missing, of another type, or too long.
    pub fn string(&self, name: &str) -> Option<String> {
        let name = wide(name);
        let mut bytes = 0u32;
        // SAFETY: a size query: no data pointer, `bytes` is a valid out pointer.
        let status = unsafe {
            RegGetValueW(
                self.0,
                std::ptr::null(),
                name.as_ptr(),
                RRF_RT_REG_SZ,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                &mut bytes,
            )
        };
        if status != ERROR_SUCCESS || bytes > MAX_STRING_BYTES {
            return None;
        }
        let mut buffer = vec![0u16; bytes as usize / 2 + 1];
        let mut bytes = u32::try_from(buffer.len() * 2).ok()?;
        // SAFETY: `buffer` holds `bytes` bytes; RegGetValueW writes at most that and
        // NUL-terminates the string.
        let status = unsafe {
            RegGetValueW(
                self.0,
                std::ptr::null(),
                name.as_ptr(),
                RRF_RT_REG_SZ,
                std::ptr::null_mut(),
                buffer.as_mut_ptr().cast(),
                &mut bytes,
            )
        };
        if status != ERROR_SUCCESS {
            return None;
        }
        buffer.truncate(bytes as usize / 2);
        let end = buffer.iter().position(|&c| c == 0).unwrap_or(buffer.len());
        Some(String::from_utf16_lossy(&buffer[..end]))
    }

    /// A `REG_DWORD` value.
    #[cfg(feature = "client")]
    pub fn dword(&self, name: &str) -> Option<u32> {
        let name = wide(name);
        let mut value = 0u32;
        let mut bytes = 4u32;
        // SAFETY: `value` is 4 writable bytes, as `bytes` says.
        let status = unsafe {
            RegGetValueW(
                self.0,
                std::ptr::null(),
                name.as_ptr(),
                RRF_RT_REG_DWORD,
                std::ptr::null_mut(),
                (&mut value as *mut u32).cast(),
                &mut bytes,
            )
        };
        (status == ERROR_SUCCESS).then_some(value)
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: the key was opened by `Key::open` and is closed once, here.
        unsafe { RegCloseKey(self.0) };
    }
}
