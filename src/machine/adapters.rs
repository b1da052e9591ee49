//! Which network adapters are hardware: the rule Windows's `GetAdaptersAddresses` list is
//! filtered by before their MACs become identity components. Pure and compiled on every OS,
//! so it is unit-tested everywhere; `windows.rs` fills [`Adapter`] from the system.
//!
//! Virtual adapters come and go (VPN clients, Hyper-V switches, VirtualBox host-only nets,
//! Docker) and carry invented MACs, so they would make the ID unstable: only Ethernet and
//! Wi-Fi adapters that are not tunnels and whose description names no known virtual driver
//! count.

/// `IF_TYPE_ETHERNET_CSMACD` (ipifcons.h).
pub const IF_TYPE_ETHERNET: u32 = 6;
/// `IF_TYPE_IEEE80211`: Wi-Fi.
pub const IF_TYPE_WIFI: u32 = 71;

/// What the filter looks at of one adapter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adapter {
    /// `IfType`.
    pub if_type: u32,
    /// `TunnelType` is not `TUNNEL_TYPE_NONE`.
    pub tunnel: bool,
    /// The driver's description, e.g. `Intel(R) Ethernet Connection I219-LM`.
    pub description: String,
    /// The name the user sees (and may change), e.g. `Ethernet 2` or `vEthernet (WSL)`.
    pub friendly_name: String,
}

/// Words of virtual drivers' descriptions and names, compared in lower case: Hyper-V,
/// VMware, VirtualBox, Parallels, WSL and Docker switches; TAP/TUN and VPN clients; loopback,
/// Bluetooth PAN (comes and goes) and kernel debugging adapters.
const VIRTUAL_WORDS: &[&str] = &[
    "virtual",
    "vethernet",
    "hyper-v",
    "vmware",
    "virtualbox",
    "parallels",
    "docker",
    "wsl",
    "tap-",
    "tap adapter",
    "wintun",
    "wireguard",
    "openvpn",
    "vpn",
    "anyconnect",
    "fortinet",
    "forticlient",
    "globalprotect",
    "pangp",
    "juniper",
    "zerotier",
    "tailscale",
    "npcap",
    "loopback",
    "bluetooth",
    "kernel debug",
    "miniport",
    "tunnel",
    "pseudo",
];

/// Whether the adapter is hardware whose MAC may identify the computer.
pub fn is_physical(adapter: &Adapter) -> bool {
    if !matches!(adapter.if_type, IF_TYPE_ETHERNET | IF_TYPE_WIFI) || adapter.tunnel {
        return false;
    }
    let named = |text: &str| {
        let text = text.to_lowercase();
        VIRTUAL_WORDS.iter().any(|w| text.contains(w))
    };
    !named(&adapter.description) && !named(&adapter.friendly_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adapter(if_type: u32, description: &str, friendly_name: &str) -> Adapter {
        Adapter {
            if_type,
            tunnel: false,
            description: description.into(),
            friendly_name: friendly_name.into(),
        }
    }

    #[test]
    fn hardware_adapters_count() {
        for a in [
            adapter(IF_TYPE_ETHERNET, "Intel(R) Ethernet Connection (4) I219-LM", "Ethernet"),
            adapter(IF_TYPE_ETHERNET, "Realtek PCIe GbE Family Controller", "Ethernet 2"),
            adapter(IF_TYPE_WIFI, "Intel(R) Wi-Fi 6 AX201 160MHz", "Wi-Fi"),
            adapter(IF_TYPE_ETHERNET, "Killer E2600 Gigabit Ethernet Controller", "LAN"),
        ] {
            assert!(is_physical(&a), "{a:?}");
        }
    }

    #[test]
    fn virtual_tunnel_loopback_and_vpn_adapters_do_not() {
        const IF_TYPE_SOFTWARE_LOOPBACK: u32 = 24;
        const IF_TYPE_TUNNEL: u32 = 131;
        const IF_TYPE_PPP: u32 = 23;
        for a in [
            adapter(
                IF_TYPE_SOFTWARE_LOOPBACK,
                "Software Loopback Interface 1",
                "Loopback Pseudo-Interface 1",
            ),
            adapter(IF_TYPE_TUNNEL, "Microsoft Teredo Tunneling Adapter", "Teredo"),
            adapter(IF_TYPE_PPP, "WAN Miniport (PPPOE)", "Broadband"),
            adapter(IF_TYPE_ETHERNET, "Hyper-V Virtual Ethernet Adapter", "vEthernet (Default Switch)"),
            adapter(IF_TYPE_ETHERNET, "Hyper-V Virtual Ethernet Adapter #2", "vEthernet (WSL)"),
            adapter(IF_TYPE_ETHERNET, "VirtualBox Host-Only Ethernet Adapter", "Ethernet 3"),
            adapter(
                IF_TYPE_ETHERNET,
                "VMware Virtual Ethernet Adapter for VMnet8",
                "VMware Network Adapter VMnet8",
            ),
            adapter(IF_TYPE_ETHERNET, "TAP-Windows Adapter V9", "OpenVPN TAP"),
            adapter(IF_TYPE_ETHERNET, "Wintun Userspace Tunnel", "Tailscale"),
            adapter(IF_TYPE_ETHERNET, "WireGuard Tunnel", "office"),
            adapter(
                IF_TYPE_ETHERNET,
                "Cisco AnyConnect Secure Mobility Client Virtual Miniport Adapter",
                "Ethernet 4",
            ),
            adapter(IF_TYPE_ETHERNET, "PANGP Virtual Ethernet Adapter Secure", "Ethernet 5"),
            adapter(
                IF_TYPE_ETHERNET,
                "Bluetooth Device (Personal Area Network)",
                "Bluetooth Network Connection",
            ),
            // A hardware description under a virtual switch's name is the switch.
            adapter(IF_TYPE_ETHERNET, "Intel(R) Ethernet Connection I219-LM", "vEthernet (External)"),
        ] {
            assert!(!is_physical(&a), "{a:?}");
        }
        let mut tunnel = adapter(IF_TYPE_ETHERNET, "Intel(R) Ethernet Connection I219-LM", "Ethernet");
        tunnel.tunnel = true;
        assert!(!is_physical(&tunnel));
    }
}
