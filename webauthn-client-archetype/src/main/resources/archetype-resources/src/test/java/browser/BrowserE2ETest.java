package ${package}.browser;

import static org.assertj.core.api.Assertions.assertThat;

import ${package}.support.TestServer;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticator;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;

/**
 * The web client in Debian's Chromium with a WebAuthn virtual authenticator (a platform authenticator that holds
 * discoverable credentials and verifies the user): register, sign out, sign in with the username, sign in through
 * passkey autofill, add, rename and delete passkeys. Fails when Chromium or chromedriver is missing.
 */
class BrowserE2ETest {
    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

    private static TestServer server;
    private static ChromeDriver browser;
    private static VirtualAuthenticator authenticator;
    private static Path profile;

    @BeforeAll
    static void start() throws Exception {
        assertThat(CHROMIUM.canExecute() && CHROMEDRIVER.canExecute())
                .as("The browser test needs Chromium and its driver: apt-get install chromium chromium-driver").isTrue();
        server = TestServer.start();
        profile = Files.createTempDirectory("chromium-profile");
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        authenticator = browser.addVirtualAuthenticator(new VirtualAuthenticatorOptions()
                .setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2)
                .setTransport(VirtualAuthenticatorOptions.Transport.INTERNAL)
                .setHasResidentKey(true).setHasUserVerification(true).setIsUserVerified(true)
                .setIsUserConsenting(true));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aPersonRegistersSignsInAndManagesPasskeys() {
        browser.get(server.origin() + "/");
        type("username", "alice");
        type("display-name", "Alice Example");
        click("register-button");
        awaitSignedIn("alice");
        assertThat(text("claims")).contains("\"preferred_username\": \"alice\"").contains("\"iss\"").contains("\"aud\"");
        assertThat(text("expires-in")).matches("\\d+:\\d{2}");
        assertThat(passkeys()).hasSize(1);
        assertThat(authenticator.getCredentials()).hasSize(1);

        // Sign in with the username. The value is set without focusing the field, which would arm autofill, and
        // the virtual authenticator answers a conditional request at once where a person would pick a suggestion.
        click("signout-button");
        awaitSignedOut();
        browser.executeScript("document.getElementById('username').value = arguments[0];", "alice");
        click("signin-button");
        awaitSignedIn("alice");

        // Passkey autofill: after a reload the page starts a conditional request; the authenticator's discoverable
        // credential signs in without a username being typed.
        click("signout-button");
        awaitSignedOut();
        browser.navigate().refresh();
        awaitSignedIn("alice");
        assertThat(browser.findElement(By.id("username")).getDomProperty("value")).isEmpty();

        // A second passkey comes from another authenticator (a security key): the first one is excluded.
        browser.addVirtualAuthenticator(new VirtualAuthenticatorOptions()
                .setProtocol(VirtualAuthenticatorOptions.Protocol.CTAP2)
                .setTransport(VirtualAuthenticatorOptions.Transport.USB)
                .setHasResidentKey(true).setHasUserVerification(true).setIsUserVerified(true));
        click("add-passkey-button");
        wait(Duration.ofSeconds(20)).until(d -> passkeys().size() == 2);
        assertThat(text("status")).isEqualTo("Passkey added.");

        WebElement first = passkeys().get(0);
        String id = first.getAttribute("data-id");
        first.findElement(By.cssSelector("button.rename")).click();
        WebElement input = browser.findElement(By.cssSelector("li.passkey input.rename-input"));
        input.clear();
        input.sendKeys("Work laptop");
        browser.findElement(By.cssSelector("li.passkey button.save")).click();
        wait(Duration.ofSeconds(10)).until(d -> passkeys().stream().anyMatch(p -> id.equals(p.getAttribute("data-id"))
                && p.findElement(By.className("passkey-name")).getText().equals("Work laptop")));

        passkeys().get(1).findElement(By.cssSelector("button.delete")).click();
        wait(Duration.ofSeconds(10)).until(d -> passkeys().size() == 1);
        passkeys().get(0).findElement(By.cssSelector("button.delete")).click();
        wait(Duration.ofSeconds(10)).until(d -> "error".equals(browser.findElement(By.id("status")).getAttribute("data-kind")));
        assertThat(text("status")).contains("only passkey");
        assertThat(passkeys()).hasSize(1);
    }

    /** Waits, ignoring elements replaced while the list re-renders. */
    private static WebDriverWait wait(Duration timeout) {
        WebDriverWait wait = new WebDriverWait(browser, timeout);
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        return wait;
    }

    private static void awaitSignedIn(String username) {
        try {
            wait(Duration.ofSeconds(20)).until(ExpectedConditions.visibilityOfElementLocated(By.id("account-panel")));
        } catch (RuntimeException e) {
            throw new AssertionError("Not signed in; status: " + text("status"), e);
        }
        assertThat(text("signed-in-user")).startsWith(username + " (");
    }

    private static void awaitSignedOut() {
        wait(Duration.ofSeconds(10)).until(ExpectedConditions.visibilityOfElementLocated(By.id("auth-panel")));
    }

    private static List<WebElement> passkeys() {
        return browser.findElements(By.cssSelector("#passkeys li.passkey"));
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
}
