package io.github.webauthnkit.it.stack;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.webauthnkit.server.testing.Chromium;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.openqa.selenium.virtualauthenticator.VirtualAuthenticatorOptions;

/**
 * A person with a passkey on a platform authenticator (Chromium's virtual authenticator) using the stack's own page:
 * registers, signs out, and signs in again through passkey autofill. On failure the page and its console are saved
 * under {@code target/stack-browser/}.
 */
final class BrowserCeremony {
    private static final Duration CEREMONY = Duration.ofSeconds(30);

    /** The tokens the page held after registering and after signing in again. */
    record Tokens(String afterRegistration, String afterSignIn) {
    }

    private BrowserCeremony() {
    }

    static Tokens registerAndSignIn(Chromium chromium, String origin, String username) {
        ChromeDriver browser = chromium.driver();
        chromium.attachAuthenticator(VirtualAuthenticatorOptions.Transport.INTERNAL, true);
        try {
            browser.get(origin + "/");
            assertThat(browser.executeScript("return window.isSecureContext")).as("a secure context at " + origin)
                    .isEqualTo(true);
            browser.findElement(By.id("username")).sendKeys(username);
            browser.findElement(By.id("register-button")).click();
            awaitSignedIn(browser, username);
            String registered = token(browser);
            browser.findElement(By.id("signout-button")).click();
            // The sign-in form starts passkey autofill, which the virtual authenticator answers at once.
            wait(browser).until(d -> "Signed in with passkey autofill.".equals(text(browser, "status")));
            awaitSignedIn(browser, username);
            return new Tokens(registered, token(browser));
        } catch (RuntimeException | AssertionError e) {
            chromium.snapshot(Path.of("target", "stack-browser"), username);
            throw new AssertionError("The browser ceremony at " + origin + " failed; the page says: "
                    + safeText(browser, "status"), e);
        }
    }

    private static void awaitSignedIn(ChromeDriver browser, String username) {
        wait(browser).until(ExpectedConditions.visibilityOfElementLocated(By.id("account-panel")));
        wait(browser).until(d -> text(browser, "signed-in-user").startsWith(username + " ("));
    }

    private static String token(ChromeDriver browser) {
        Object token = browser.executeScript("return sessionStorage.getItem('webauthn.token')");
        assertThat(token).as("the page's sign-in token").isInstanceOf(String.class);
        return (String) token;
    }

    private static WebDriverWait wait(ChromeDriver browser) {
        WebDriverWait wait = new WebDriverWait(browser, CEREMONY);
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    private static String text(ChromeDriver browser, String id) {
        return browser.findElement(By.id(id)).getText();
    }

    private static String safeText(ChromeDriver browser, String id) {
        try {
            return text(browser, id);
        } catch (RuntimeException e) {
            return "(no #" + id + ": " + e.getClass().getSimpleName() + ")";
        }
    }
}
