//! The exported functions called directly from Rust with real and NULL pointers, so the
//! boundary's contracts are checked without a C compiler (and under miri).

use std::ffi::{CStr, c_char};
use std::ptr::{null, null_mut};

use super::client::{lk_client_computer_id, lk_client_free, lk_client_new};
use super::config::{lk_config_add_public_key, lk_config_free, lk_config_new, lk_config_set_store_dir};
use super::library::{lk_last_error_message, lk_status_message, lk_status_name, lk_version};
use super::machine::lk_computer_id;
use crate::Status;

const KEY: &CStr = c"3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29";

fn last_error() -> String {
    let mut buf = [0 as c_char; 256];
    // SAFETY: a valid buffer of the stated length; `needed` may be NULL.
    assert_eq!(unsafe { lk_last_error_message(buf.as_mut_ptr(), buf.len(), null_mut()) }, Status::Ok);
    // SAFETY: the function NUL-terminated the buffer.
    unsafe { CStr::from_ptr(buf.as_ptr()) }.to_string_lossy().into_owned()
}

#[test]
fn static_strings() {
    // SAFETY: these functions return static NUL-terminated strings.
    unsafe {
        assert_eq!(CStr::from_ptr(lk_version()).to_str().unwrap(), env!("CARGO_PKG_VERSION"));
        assert_eq!(CStr::from_ptr(lk_status_name(100)), c"LK_NOT_ACTIVATED");
        assert_eq!(CStr::from_ptr(lk_status_name(77_777)), c"LK_UNKNOWN_STATUS");
        assert_eq!(CStr::from_ptr(lk_status_message(77_777)), c"unknown status");
    }
}

#[test]
fn strings_out_follow_the_buffer_convention() {
    let mut needed = 0usize;
    // SAFETY: NULL buffer with length 0 is the size query; `needed` is valid.
    let status = unsafe { lk_computer_id(c"6872450105".as_ptr(), null_mut(), 0, &mut needed) };
    assert_eq!((status, needed), (Status::BufferTooSmall, 21));
    let mut small = [b'x' as c_char; 20];
    // SAFETY: the buffer is valid for its length.
    let status =
        unsafe { lk_computer_id(c"6872450105".as_ptr(), small.as_mut_ptr(), small.len(), &mut needed) };
    assert_eq!(status, Status::BufferTooSmall);
    assert!(small.iter().all(|&c| c == b'x' as c_char), "nothing written on failure");
    let mut exact = [0 as c_char; 21];
    // SAFETY: the buffer is valid for its length; `needed` may be NULL.
    let status =
        unsafe { lk_computer_id(c"6872450105".as_ptr(), exact.as_mut_ptr(), exact.len(), null_mut()) };
    assert_eq!(status, Status::Ok);
    // SAFETY: NULL product ID is checked.
    let status = unsafe { lk_computer_id(null(), exact.as_mut_ptr(), exact.len(), null_mut()) };
    assert_eq!(status, Status::NullPointer);
    assert!(last_error().ends_with(": product_id"), "{}", last_error());
    let invalid = [0xffu8 as c_char, 0];
    // SAFETY: a NUL-terminated (non-UTF-8) string.
    let status = unsafe { lk_computer_id(invalid.as_ptr(), exact.as_mut_ptr(), exact.len(), null_mut()) };
    assert_eq!(status, Status::InvalidUtf8);
    // SAFETY: NULL buffer with a non-zero length is refused before any write.
    let status = unsafe { lk_computer_id(c"6872450105".as_ptr(), null_mut(), 21, null_mut()) };
    assert_eq!(status, Status::NullPointer);
}

#[test]
fn config_and_client_lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    let dir_c = std::ffi::CString::new(dir.path().to_str().unwrap()).unwrap();
    let mut cfg = null_mut();
    // SAFETY: every pointer below is valid or deliberately NULL; handles are freed once.
    unsafe {
        assert_eq!(lk_config_new(c"6872450105".as_ptr(), null_mut()), Status::NullPointer);
        assert_eq!(lk_config_new(c"bad id".as_ptr(), &mut cfg), Status::InvalidProductId);
        assert!(cfg.is_null(), "out untouched on failure");
        assert_eq!(lk_config_new(c"6872450105".as_ptr(), &mut cfg), Status::Ok);
        assert_eq!(lk_config_set_store_dir(cfg, dir_c.as_ptr()), Status::Ok);
        let mut client = null_mut();
        assert_eq!(lk_client_new(cfg, &mut client), Status::NoPublicKey);
        assert!(client.is_null());
        assert_eq!(lk_config_add_public_key(cfg, c"nothex".as_ptr()), Status::InvalidPublicKey);
        assert_eq!(lk_config_add_public_key(null_mut(), KEY.as_ptr()), Status::NullPointer);
        assert_eq!(lk_config_add_public_key(cfg, KEY.as_ptr()), Status::Ok);
        assert_eq!(lk_client_new(cfg, &mut client), Status::Ok);
        lk_config_free(cfg);
        let mut id = [0 as c_char; 21];
        assert_eq!(lk_client_computer_id(client, id.as_mut_ptr(), id.len(), null_mut()), Status::Ok);
        assert_eq!(CStr::from_ptr(id.as_ptr()).to_bytes().len(), 20);
        assert_eq!(lk_client_computer_id(null(), id.as_mut_ptr(), id.len(), null_mut()), Status::NullPointer);
        lk_client_free(client);
        lk_client_free(null_mut());
        lk_config_free(null_mut());
    }
}

#[test]
fn panics_become_internal_errors() {
    let status = super::guard(|| panic!("boom"));
    assert_eq!(status, Status::Internal);
    assert!(last_error().contains("panic"));
}
