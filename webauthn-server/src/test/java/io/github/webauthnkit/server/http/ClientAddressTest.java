package io.github.webauthnkit.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ClientAddressTest {

    /** An IPv6 subscriber has a whole /64 to send from: its limits count the network, not each address. */
    @Test
    void limitsCountAnIpv4AddressAndAnIpv6Network() {
        assertThat(ClientAddress.limitKey("203.0.113.7")).isEqualTo("203.0.113.7");
        assertThat(ClientAddress.limitKey("2001:db8:1:2:aaaa::1")).isEqualTo("2001:db8:1:2:0:0:0:0/64");
        assertThat(ClientAddress.limitKey("2001:db8:1:2:ffff:ffff:ffff:ffff"))
                .isEqualTo(ClientAddress.limitKey("2001:db8:1:2::5"));
        assertThat(ClientAddress.limitKey("2001:db8:1:3::5")).isNotEqualTo(ClientAddress.limitKey("2001:db8:1:2::5"));
    }

    /** A /48 holds 65,536 /64s: its limits count the whole of it too. IPv4 has no such tier. */
    @Test
    void anIpv6AddressBelongsToItsSlash48() {
        assertThat(ClientAddress.networkKey("203.0.113.7")).isEmpty();
        assertThat(ClientAddress.networkKey("2001:db8:1:2:aaaa::1")).contains("2001:db8:1:0:0:0:0:0/48");
        assertThat(ClientAddress.networkKey("2001:db8:1:ffff::1")).isEqualTo(ClientAddress.networkKey("2001:db8:1:2::5"));
        assertThat(ClientAddress.networkKey("2001:db8:2::1")).isNotEqualTo(ClientAddress.networkKey("2001:db8:1::1"));
        assertThat(ClientAddress.networkKey("not an address")).isEmpty();
    }

    /** The ceremony store groups clients by network: a /64's /32 and /48, an IPv4 address's /24. */
    @Test
    void aClientsNetworksAreItsSlash32AndSlash48OrItsSlash24() {
        assertThat(ClientAddress.networksOf(ClientAddress.limitKey("2001:db8:1:2:aaaa::1")))
                .containsExactly("2001:db8:0:0:0:0:0:0/32", "2001:db8:1:0:0:0:0:0/48")
                .isEqualTo(ClientAddress.networksOf(ClientAddress.limitKey("2001:db8:1:ffff::1")));
        assertThat(ClientAddress.networksOf(ClientAddress.limitKey("203.0.113.7"))).containsExactly("203.0.113.0/24");
        assertThat(ClientAddress.networksOf("not an address")).isEmpty();
        assertThat(ClientAddress.networksOf("not/an address")).isEmpty();
    }
}
