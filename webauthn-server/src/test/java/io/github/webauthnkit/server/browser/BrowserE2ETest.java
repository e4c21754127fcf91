package io.github.webauthnkit.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.testing.Chromium;
import io.github.webauthnkit.server.testing.ScratchFiles;
import io.github.webauthnkit.server.testing.TestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.virtualauthenticator.Credential;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;

/**
 * The web client in Debian's Chromium (headless) with WebAuthn virtual authenticators, against the real server:
 * register, sign out, sign in with the username, sign in through passkey autofill, add a second passkey, rename and
 * delete passkeys (each change after confirming with a passkey, which the page asks for when it holds no management
 * token); the same ceremonies without the WebAuthn JSON helpers of newer browsers; the messages for a
 * ceremony nobody confirms and for a page opened at an origin outside the relying party; and a related origin's
 * ceremonies. It fails, and never skips, when Chromium or its driver is missing.
 *
 * <p>Related origins: Chromium fetches {@code https://<RP ID>/.well-known/webauthn}, always over https on port 443,
 * so the browser maps localhost:443 to the test's TLS listener ({@code --host-resolver-rules}) and accepts that
 * listener's throwaway certificate by its key ({@code --ignore-certificate-errors-spki-list}, which Chromium honours
 * only with {@code --user-data-dir}); both flags touch nothing else the tests load. The related site is
 * {@code related.localhost}: a host name (Chromium refuses WebAuthn on an IP address such as 127.0.0.1) that is
 * loopback, hence a secure context over http, and that cannot claim "localhost" by itself, since "localhost" is no
 * registrable domain.
 *
 * <p>Passkey autofill (conditional mediation) in headless Chromium: the page starts a conditional request whenever
 * the sign-in form is shown (page load, sign-out) and again when the username field gets focus. Chromium's virtual
 * authenticator settles such a request at once, with no focus on the field and no click on a suggestion: it answers
 * with a discoverable credential it holds for the relying party (where a person would pick the suggestion), and
 * rejects it with NotAllowedError when it holds none (where a real browser would keep it pending), which the page
 * takes as "nothing to suggest". So, to sign in with a typed username the way a person who ignores the suggestion
 * does, the test first stores the passkey on the authenticator as a non-discoverable credential; this also proves
 * that the username path works for passkeys that only the server's allowCredentials list can find.
 *
 * <p>On failure the page (screenshot, HTML, browser console) is saved under {@code target/browser-e2e/}.
 */
class BrowserE2ETest {
    private static final Duration CEREMONY = Duration.ofSeconds(20);

    private static TestServer server;
    private static Chromium chromium;
    private static ChromeDriver browser;
    private static String firstTab;
    private static RelatedOriginProxy related;

    /** Runs before the test's tab is closed. */
    @RegisterExtension
    static final AfterTestExecutionCallback SNAPSHOT_ON_FAILURE = context -> context.getExecutionException()
            .ifPresent(failure -> snapshot(context.getRequiredTestMethod().getName()));

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start();
        related = new RelatedOriginProxy(ScratchFiles.directory("related-origin-"));
        chromium = Chromium.start(related.browserArguments().toArray(String[]::new));
        browser = chromium.driver();
        firstTab = browser.getWindowHandle();
    }

    /** Each test in a tab of its own: its own sessionStorage and virtual authenticators. */
    @BeforeEach
    void openTab() {
        browser.switchTo().newWindow(WindowType.TAB);
    }

    @AfterEach
    void closeTab() {
        browser.close();
        browser.switchTo().window(firstTab);
    }

    @AfterAll
    static void stop() throws Exception {
        if (chromium != null) {
            chromium.close();
        }
        if (server != null) {
            server.close();
        }
        if (related != null) {
            related.close();
        }
    }

    @Test
    void aPersonRegistersSignsInAndManagesPasskeys() {
        VirtualAuthenticator platform = attach(VirtualAuthenticatorOptions.Transport.INTERNAL, true);
        browser.get(server.origin() + "/");

        // Register: the page aborts any pending autofill request, creates the passkey, then signs in with it.
        type("username", "alice");
        type("display-name", "Alice Example");
        click("register-button");
        awaitSignedIn("alice");
        assertThat(text("status")).isEqualTo("Passkey registered; you are signed in.");
        Map<String, Object> claims = storedClaims();
        assertThat(text("signed-in-user")).isEqualTo("alice (" + claims.get("sub") + ")");
        assertThat(text("claims")).contains("\"preferred_username\": \"alice\"", "\"iss\":", "\"aud\":", "\"exp\":",
                "\"jti\":", "\"auth_time\":", "\"sub\": \"" + claims.get("sub") + "\"");
        assertThat(text("token-key")).contains("(RS256)");
        assertCountsDown();
        assertThat(passkeys()).hasSize(1);
        List<Credential> held = platform.getCredentials();
        assertThat(held).hasSize(1);
        assertThat(held.get(0).isResidentCredential()).isTrue();
        assertThat(held.get(0).getRpId()).isEqualTo(server.rpId());
        assertThat(browser.executeScript("return localStorage.length")).isEqualTo(0L);

        // Sign in with the username (see the class comment for why the passkey is made non-discoverable first).
        Credential registered = held.get(0);
        platform.removeAllCredentials();
        platform.addCredential(Credential.createNonResidentCredential(registered.getId(), registered.getRpId(),
                registered.getPrivateKey(), registered.getSignCount()));
        click("signout-button");
        awaitSignedOut();
        assertThat(text("status")).isEqualTo("Signed out.");
        assertThat(browser.executeScript("return sessionStorage.length")).isEqualTo(0L);
        type("username", "alice");
        click("signin-button");
        awaitSignedIn("alice");
        assertThat(text("status")).isEqualTo("Signed in.");

        // Sign in through passkey autofill, with the passkey discoverable again: the request the page starts on
        // sign-out is answered without a username.
        Credential used = platform.getCredentials().get(0);
        assertThat(used.getSignCount()).isGreaterThan(registered.getSignCount());
        platform.removeAllCredentials();
        platform.addCredential(Credential.createResidentCredential(used.getId(), used.getRpId(), used.getPrivateKey(),
                registered.getUserHandle(), used.getSignCount()));
        click("signout-button");
        awaitAutofillSignIn("alice");

        // The same from a fresh page load (a new tab has no token): the request starts as the page opens.
        browser.executeScript("sessionStorage.clear()");
        browser.navigate().refresh();
        awaitSignedIn("alice");
        assertThat(text("status")).isEqualTo("Signed in with passkey autofill.");
        assertThat(browser.findElement(By.id("username")).getDomProperty("value")).isEmpty();

        // Changes need the passkey again: the first one asks for it (the account ceremony), and its management
        // token, kept in memory only, serves the next ones for a few minutes. A second passkey on the same
        // authenticator is refused (it is in excludeCredentials); a security key works.
        int signCount = platform.getCredentials().get(0).getSignCount();
        click("add-passkey-button");
        awaitStatus("error");
        assertThat(text("status")).contains("already holds a passkey for this account");
        assertThat(platform.getCredentials().get(0).getSignCount()).as("the page asked for the passkey")
                .isGreaterThan(signCount);
        VirtualAuthenticator securityKey = attach(VirtualAuthenticatorOptions.Transport.USB, true);
        browser.removeVirtualAuthenticator(platform);
        click("add-passkey-button");
        wait(CEREMONY).until(d -> passkeys().size() == 2);
        assertThat(text("status")).isEqualTo("Passkey added.");
        assertThat(securityKey.getCredentials()).hasSize(1);
        assertThat(browser.executeScript("return Object.keys(sessionStorage).join() + '|' + localStorage.length"))
                .as("only the sign-in token is stored").isEqualTo("webauthn.token|0");

        // Rename with the inline form: Escape cancels, Enter saves.
        WebElement first = passkeys().get(0);
        String firstId = first.getDomAttribute("data-id");
        first.findElement(By.cssSelector("button.rename")).click();
        WebElement input = browser.findElement(By.cssSelector("li.passkey input.rename-input"));
        input.sendKeys(Keys.ESCAPE);
        wait(Duration.ofSeconds(5)).until(d -> d.findElements(By.cssSelector("input.rename-input")).isEmpty());
        passkey(firstId).findElement(By.cssSelector("button.rename")).click();
        input = browser.findElement(By.cssSelector("li.passkey input.rename-input"));
        input.clear();
        input.sendKeys("Work laptop", Keys.ENTER);
        wait(Duration.ofSeconds(10)).until(d -> "Work laptop".equals(nameOf(passkey(firstId))));
        assertThat(text("status")).isEqualTo("Passkey renamed to Work laptop.");

        // Rename with the Save button.
        String secondId = passkeys().stream().map(p -> p.getDomAttribute("data-id")).filter(id -> !id.equals(firstId))
                .findFirst().orElseThrow();
        passkey(secondId).findElement(By.cssSelector("button.rename")).click();
        input = browser.findElement(By.cssSelector("li.passkey input.rename-input"));
        input.clear();
        input.sendKeys("Blue security key");
        browser.findElement(By.cssSelector("li.passkey button.save")).click();
        wait(Duration.ofSeconds(10)).until(d -> "Blue security key".equals(nameOf(passkey(secondId))));

        // A script in the page holds the sign-in token, and that token alone cannot change the account.
        assertThat(browser.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + " fetch('/credentials/' + arguments[0], {method: 'DELETE', headers: {Authorization: 'Bearer '"
                + " + sessionStorage.getItem('webauthn.token')}}).then(r => r.json().then(b => done(r.status + ' '"
                + " + b.error)), e => done(String(e)));", firstId)).isEqualTo("403 fresh_authentication_required");

        // After a reload the management token is gone: deleting asks for a passkey again, here the security key.
        browser.navigate().refresh();
        awaitSignedIn("alice");
        wait(Duration.ofSeconds(10)).until(d -> passkeys().size() == 2);
        int keyCount = securityKey.getCredentials().get(0).getSignCount();
        passkey(firstId).findElement(By.cssSelector("button.delete")).click();
        wait(CEREMONY).until(d -> passkeys().size() == 1);
        assertThat(text("status")).startsWith("Deleted Work laptop.");
        assertThat(securityKey.getCredentials().get(0).getSignCount()).as("the page asked for the passkey")
                .isGreaterThan(keyCount);

        // The last passkey is refused.
        assertThat(passkeys().get(0).getDomAttribute("data-id")).isEqualTo(secondId);
        passkey(secondId).findElement(By.cssSelector("button.delete")).click();
        awaitStatus("error");
        assertThat(text("status")).contains("only passkey");
        assertThat(passkeys()).hasSize(1);

        assertNoPolicyViolations();
    }

    @Test
    void browsersWithoutTheWebAuthnJsonHelpersUseThePagesOwnConversion() {
        // As in browsers older than the WebAuthn Level 3 JSON helpers (parse...FromJSON, toJSON).
        browser.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source",
                "delete PublicKeyCredential.parseCreationOptionsFromJSON;"
                        + " delete PublicKeyCredential.parseRequestOptionsFromJSON;"
                        + " delete PublicKeyCredential.prototype.toJSON;"));
        attach(VirtualAuthenticatorOptions.Transport.INTERNAL, true);
        browser.get(server.origin() + "/");
        assertThat(browser.executeScript("return typeof PublicKeyCredential.parseCreationOptionsFromJSON"
                + " + typeof PublicKeyCredential.parseRequestOptionsFromJSON + typeof PublicKeyCredential.prototype.toJSON"))
                .isEqualTo("undefinedundefinedundefined");
        type("username", "dave");
        click("register-button");
        awaitSignedIn("dave");
        click("signout-button");
        awaitAutofillSignIn("dave");
    }

    @Test
    void aCeremonyNobodyConfirmsSaysSo() {
        // An authenticator nobody touches, and a server whose ceremonies time out after a second: the browser gives
        // up with NotAllowedError, as when a person cancels the dialog (which headless Chromium cannot show).
        attach(VirtualAuthenticatorOptions.Transport.INTERNAL, false);
        try (TestServer impatient = TestServer.start("RS256", Map.of("WEBAUTHN_CEREMONY_TIMEOUT", "1s"))) {
            browser.get(impatient.origin() + "/");
            type("username", "carol");
            click("register-button");
            awaitStatus("error");
            assertThat(text("status"))
                    .isEqualTo("Registration was cancelled or timed out. Try again and confirm on your device.");
            assertThat(browser.findElement(By.id("auth-panel")).isDisplayed()).isTrue();
        }
    }

    @Test
    void aPageOpenedAtAnOriginOutsideTheRelyingPartySaysSo() {
        // 127.0.0.1 reaches the same server, but passkeys belong to the relying party id "localhost".
        browser.get(server.baseUrl() + "/");
        type("username", "mallory");
        click("register-button");
        awaitStatus("error");
        assertThat(text("status")).contains("Origin mismatch", server.baseUrl(), "\"" + server.rpId() + "\"");
        assertNoPolicyViolations();
    }

    /**
     * A page at another site (related.localhost, its own port) that passes the API on to the server, registering and
     * signing in with passkeys of the RP ID "localhost" (WebAuthn Level 3 Related Origin Requests). Chromium lets the
     * page use that RP ID only after it read the origin in https://localhost/.well-known/webauthn (the test's TLS
     * listener, which passes that path on to a server), and the server accepts the origin only while it lists it.
     */
    @Test
    void aRelatedOriginUsesThePasskeysOnlyWhileTheServerListsIt() {
        VirtualAuthenticator platform = attach(VirtualAuthenticatorOptions.Transport.INTERNAL, true);
        try (TestServer listing = TestServer.start("RS256", Map.of("WEBAUTHN_RELATED_ORIGINS", related.origin()));
             TestServer unlisted = TestServer.start()) {
            // Not configured: the server serves no /.well-known/webauthn, so the browser refuses the RP ID.
            related.forwardTo(unlisted.baseUrl(), unlisted.baseUrl());
            browser.get(related.origin() + "/");
            type("username", "frank");
            click("register-button");
            awaitStatus("error");
            assertThat(text("status")).contains("Origin mismatch", related.origin());
            assertThat(platform.getCredentials()).isEmpty();

            // The browser reads a list naming the origin (another server's), but this server does not list it: the
            // passkey is made, and the server refuses it.
            related.forwardTo(unlisted.baseUrl(), listing.baseUrl());
            browser.navigate().refresh();
            type("username", "frank");
            click("register-button");
            awaitStatus("error");
            assertThat(text("status")).contains("The origin '" + related.origin() + "' is not one this server accepts.");
            assertThat(platform.getCredentials()).as("the browser allowed the ceremony").hasSize(1);

            // Configured: registration and sign-in from the related origin, with a passkey of the RP ID.
            platform.removeAllCredentials();
            related.forwardTo(listing.baseUrl(), listing.baseUrl());
            browser.navigate().refresh();
            type("username", "frank");
            click("register-button");
            awaitSignedIn("frank");
            assertThat(platform.getCredentials().get(0).getRpId()).isEqualTo(listing.rpId());
            click("signout-button");
            awaitAutofillSignIn("frank");

            // The same passkey signs in at the server's own origin.
            browser.get(listing.origin() + "/");
            awaitSignedIn("frank");
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private static VirtualAuthenticator attach(VirtualAuthenticatorOptions.Transport transport, boolean consenting) {
        return chromium.attachAuthenticator(transport, consenting);
    }

    /** Waits, ignoring elements replaced while the page re-renders. */
    private static WebDriverWait wait(Duration timeout) {
        WebDriverWait wait = new WebDriverWait(browser, timeout);
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    private static void awaitSignedIn(String username) {
        try {
            wait(CEREMONY).until(ExpectedConditions.visibilityOfElementLocated(By.id("account-panel")));
        } catch (RuntimeException e) {
            throw new AssertionError("Not signed in; the page says: " + text("status"), e);
        }
        wait(Duration.ofSeconds(5)).until(d -> text("signed-in-user").startsWith(username + " ("));
    }

    /**
     * After a sign-out the page offers passkey autofill, and the virtual authenticator answers at once. The account
     * panel may still show the old session when the first check runs, so the autofill's own message is awaited.
     */
    private static void awaitAutofillSignIn(String username) {
        try {
            wait(CEREMONY).until(d -> text("status").equals("Signed in with passkey autofill."));
        } catch (RuntimeException e) {
            throw new AssertionError("No autofill sign-in; the page says: " + text("status"), e);
        }
        awaitSignedIn(username);
    }

    private static void awaitSignedOut() {
        wait(Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("auth-panel")));
    }

    private static void awaitStatus(String kind) {
        try {
            wait(CEREMONY).until(d -> kind.equals(attribute("status", "data-kind")));
        } catch (RuntimeException e) {
            throw new AssertionError("No " + kind + " message; the page says: " + text("status"), e);
        }
    }

    /** The countdown shows m:ss (or h:mm:ss) and goes down by the second. */
    private static void assertCountsDown() {
        String before = text("expires-in");
        assertThat(before).matches("(\\d+:)?\\d{1,2}:\\d{2}");
        wait(Duration.ofSeconds(3)).until(d -> !text("expires-in").equals(before));
        assertThat(seconds(text("expires-in"))).isLessThan(seconds(before));
    }

    private static int seconds(String clock) {
        int total = 0;
        for (String part : clock.split(":")) {
            total = total * 60 + Integer.parseInt(part);
        }
        return total;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> storedClaims() {
        return (Map<String, Object>) browser.executeScript(
                "const t = sessionStorage.getItem('webauthn.token');"
                        + " const p = t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');"
                        + " return JSON.parse(atob(p));");
    }

    private static List<WebElement> passkeys() {
        return browser.findElement(By.id("passkeys")).findElements(By.cssSelector("li.passkey"));
    }

    private static WebElement passkey(String id) {
        return passkeys().stream().filter(p -> id.equals(p.getDomAttribute("data-id"))).findFirst()
                .orElseThrow(() -> new AssertionError("No passkey " + id + " in the list"));
    }

    private static String nameOf(WebElement passkey) {
        List<WebElement> names = passkey.findElements(By.className("passkey-name"));
        return names.isEmpty() ? null : names.get(0).getText();
    }

    /** The page runs under the server's CSP: nothing it does may be refused. */
    private static void assertNoPolicyViolations() {
        List<String> refused = browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(LogEntry::getMessage).filter(m -> m.contains("Content Security Policy") || m.contains("Refused to"))
                .collect(Collectors.toList());
        assertThat(refused).as("CSP violations in the browser console").isEmpty();
    }

    private static void type(String id, String value) {
        WebElement field = browser.findElement(By.id(id));
        field.clear();
        field.sendKeys(value);
    }

    private static void click(String id) {
        browser.findElement(By.id(id)).click();
    }

    private static String text(String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static String attribute(String id, String name) {
        return browser.findElement(By.id(id)).getDomAttribute(name);
    }

    private static void snapshot(String name) {
        if (chromium != null) {
            chromium.snapshot(Path.of("target", "browser-e2e"), name);
        }
    }
}
