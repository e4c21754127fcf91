package io.github.webauthnkit.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

    private static boolean trusts(String list, String address) throws Exception {
        return TrustedProxies.parse(list).contains(InetAddress.getByName(address));
    }

    @Test
    void addressesRangesAndNamesAreMatched() throws Exception {
        assertThat(trusts("10.1.2.3", "10.1.2.3")).isTrue();
        assertThat(trusts("10.1.2.3", "10.1.2.4")).isFalse();
        assertThat(trusts("172.16.0.0/12", "172.31.255.255")).isTrue();
        assertThat(trusts("172.16.0.0/12", "172.32.0.0")).isFalse();
        assertThat(trusts("0.0.0.0/0", "203.0.113.1")).isTrue();
        assertThat(trusts("fd00::/8", "fd12::1")).isTrue();
        assertThat(trusts("fd00::/8", "fe80::1")).isFalse();
        assertThat(trusts("10.0.0.0/8", "::ffff:10.0.0.1")).as("an IPv4-mapped IPv6 address").isTrue();
        assertThat(trusts("::1", "127.0.0.1")).isFalse();
        assertThat(trusts("localhost", "127.0.0.1")).as("a name is resolved").isTrue();
        assertThat(trusts("localhost", "10.0.0.1")).isFalse();
        assertThat(trusts("no-such-host.invalid", "10.0.0.1")).isFalse();
        assertThat(TrustedProxies.parse("").isEmpty()).isTrue();
    }
}
