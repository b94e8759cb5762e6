"""Drivers for the three real engines: each only has to give a fresh page state and navigate.

- Chromium: Playwright's sync API launching the Debian `/usr/bin/chromium` (never a downloaded
  build); one BrowserContext per scenario (fresh preflight cache, HTTP cache, cookies).
- Firefox: `firefox-esr --headless --marionette` on a throw-away profile, driven by
  `marionette-driver`; state cleared with `Services.clearData` between scenarios (chrome context,
  needs `--remote-allow-system-access`).
- WebKit: `WebKitWebDriver` (MiniBrowser, WebKitGTK) via selenium's Remote client under Xvfb with
  `LC_ALL=en_US.UTF-8`; a new session (a new MiniBrowser) per scenario.

Every external process is started by the driver and ended by `stop()`; waits are bounded.
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from typing import Any, Protocol

__all__ = [
    "ENGINES",
    "EngineMissing",
    "Engine",
    "ChromiumEngine",
    "FirefoxEngine",
    "WebKitEngine",
    "make_engine",
    "missing_reason",
]

ENGINES = ("chromium", "firefox", "webkit")

CHROMIUM_BIN = "/usr/bin/chromium"
FIREFOX_BIN = "/usr/bin/firefox-esr"
WEBKIT_DRIVER_BIN = "/usr/bin/WebKitWebDriver"
XVFB_BIN = "/usr/bin/Xvfb"
WEBDRIVER_CALL_TIMEOUT_S = 45
MINIBROWSER_CANDIDATES = (
    "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
    "/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
    "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.0/MiniBrowser",
)

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

INSTALL_HINT = "install the engines with: .ci/install-browsers.sh .venv"


class EngineMissing(RuntimeError):
    """The engine (or its driver library) is not installed on this machine."""


class Engine(Protocol):
    name: str

    def start(self) -> None: ...

    def open(self, url: str) -> None:
        """Fresh state (preflight cache, HTTP cache, cookies), then load `url`."""

    def pump(self, seconds: float) -> None:
        """Let `seconds` pass while keeping the driver connection serviced."""

    def close_page(self) -> None: ...

    def stop(self) -> None: ...

    def version(self) -> str: ...


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _kill(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except OSError:
        proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
        proc.wait(timeout=5)


def missing_reason(engine: str) -> str | None:
    """Why `engine` cannot be driven here (None when it can)."""
    if engine == "chromium":
        if not os.path.exists(CHROMIUM_BIN):
            return f"{CHROMIUM_BIN} not found; {INSTALL_HINT}"
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            return f"python package playwright missing; {INSTALL_HINT}"
        return None
    if engine == "firefox":
        if not os.path.exists(FIREFOX_BIN):
            return f"{FIREFOX_BIN} not found; {INSTALL_HINT}"
        try:
            importlib.import_module("marionette_driver.marionette")
        except ImportError:
            return f"python package marionette-driver missing; {INSTALL_HINT}"
        return None
    if engine == "webkit":
        for b in (WEBKIT_DRIVER_BIN, XVFB_BIN):
            if not os.path.exists(b):
                return f"{b} not found; {INSTALL_HINT}"
        if _minibrowser() is None:
            return f"MiniBrowser not found; {INSTALL_HINT}"
        try:
            import selenium.webdriver  # noqa: F401
        except ImportError:
            return f"python package selenium missing; {INSTALL_HINT}"
        return None
    return f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})"


def _minibrowser() -> str | None:
    for c in MINIBROWSER_CANDIDATES:
        if os.path.exists(c):
            return c
    return None


class ChromiumEngine:
    name = "chromium"

    def __init__(self) -> None:
        self._pw: Any = None
        self._browser: Any = None
        self._ctx: Any = None
        self._page: Any = None
        #: True: a new BrowserContext per page; False: one context, navigated, renewed every
        #: `pages_per_context` pages (the runner then gives each scenario fresh origins)
        self.context_per_page = True
        self.pages_per_context = 100
        self._pages = 0

    def start(self) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(
            executable_path=CHROMIUM_BIN, args=CHROMIUM_FLAGS, headless=True, timeout=60_000
        )

    def version(self) -> str:
        return f"Chromium {self._browser.version}" if self._browser else "Chromium"

    def open(self, url: str) -> None:
        if self.context_per_page or self._page is None or self._pages >= self.pages_per_context:
            self._close_context()
            self._ctx = self._browser.new_context()
            self._page = self._ctx.new_page()
            self._pages = 0
        self._pages += 1
        self._page.goto(url, timeout=30_000)

    def pump(self, seconds: float) -> None:
        if self._page is not None:
            self._page.wait_for_timeout(seconds * 1000)
        else:
            time.sleep(seconds)

    def close_page(self) -> None:
        if self.context_per_page:
            self._close_context()
        elif self._page is not None:
            try:
                self._page.goto("about:blank", timeout=30_000)
            except Exception:  # noqa: BLE001
                self._close_context()

    def _close_context(self) -> None:
        if self._ctx is not None:
            try:
                self._ctx.close()
            except Exception:  # noqa: BLE001 - a dead context must not stop the run
                pass
        self._ctx = None
        self._page = None

    def stop(self) -> None:
        self._close_context()
        for obj in (self._browser, self._pw):
            if obj is None:
                continue
            try:
                obj.close() if obj is self._browser else obj.stop()
            except Exception:  # noqa: BLE001
                pass
        self._browser = None
        self._pw = None


FIREFOX_PREFS = {
    "app.update.auto": False,
    "app.update.enabled": False,
    "app.update.disabledForTesting": True,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.startup.page": 0,
    "browser.aboutwelcome.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False,
    "toolkit.telemetry.server": "",
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.blockedURIs.enabled": False,
    "browser.safebrowsing.provider.mozilla.updateURL": "",
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "captivedetect.canonicalURL": "",
    "extensions.update.enabled": False,
    "extensions.getAddons.cache.enabled": False,
    "browser.region.network.url": "",
    "browser.search.update": False,
    "services.settings.server": "",
    "network.proxy.type": 0,
    "network.dns.disablePrefetch": True,
    "network.http.speculative-parallel-limit": 0,
    "network.prefetch-next": False,
    "dom.security.https_first": False,
    "dom.security.https_only_mode": False,
    "browser.tabs.remote.autostart": True,
}


def _pref_js(name: str, value: object) -> str:
    if isinstance(value, bool):
        v = "true" if value else "false"
    elif isinstance(value, int):
        v = str(value)
    else:
        v = '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f'user_pref("{name}", {v});\n'


class FirefoxEngine:
    name = "firefox"

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        self._profile: str | None = None
        self._client: Any = None
        self._version = "Firefox"
        #: clear caches and cookies before every page (False when the runner gives every
        #: scenario fresh origins instead)
        self.clear_each_page = True

    def start(self) -> None:
        # marionette-driver ships no type information: imported dynamically, used as Any.
        Marionette: Any = importlib.import_module("marionette_driver.marionette").Marionette

        self._profile = tempfile.mkdtemp(prefix="corssim-ff-")
        port = _free_port()
        prefs = dict(FIREFOX_PREFS)
        prefs["marionette.port"] = port
        with open(os.path.join(self._profile, "user.js"), "w") as f:
            for k, v in prefs.items():
                f.write(_pref_js(k, v))
        env = dict(os.environ, MOZ_HEADLESS="1")
        self._proc = subprocess.Popen(
            [FIREFOX_BIN, "--headless", "--marionette", "--remote-allow-system-access",
             "--no-remote", "--profile", self._profile, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True,
        )
        if not _wait_port(port, 60):
            self.stop()
            raise RuntimeError("firefox: Marionette port did not open within 60 s")
        self._client = Marionette(host="127.0.0.1", port=port)
        self._client.start_session()
        self._client.timeout.page_load = 30
        self._client.timeout.script = 30
        caps = self._client.session_capabilities
        self._version = f"Firefox {caps.get('browserVersion', '')}".strip()

    def version(self) -> str:
        return self._version

    def clear_state(self) -> None:
        """Clear caches (HTTP, preflight), cookies and storage through Services.clearData."""
        c = self._client
        c.set_context(c.CONTEXT_CHROME)
        try:
            c.execute_async_script(
                """
                const [resolve] = arguments;
                const flags = Ci.nsIClearDataService.CLEAR_ALL;
                Services.clearData.deleteData(flags, {onDataDeleted() { resolve(true); }});
                """,
                script_timeout=20_000,
            )
        finally:
            c.set_context(c.CONTEXT_CONTENT)

    def open(self, url: str) -> None:
        if self.clear_each_page:
            self._client.navigate("about:blank")
            self.clear_state()
        self._client.navigate(url)

    def pump(self, seconds: float) -> None:
        time.sleep(seconds)

    def close_page(self) -> None:
        if self._client is not None:
            try:
                self._client.navigate("about:blank")
            except Exception:  # noqa: BLE001
                pass

    def stop(self) -> None:
        if self._client is not None:
            try:
                self._client.delete_session()
            except Exception:  # noqa: BLE001
                pass
            self._client = None
        _kill(self._proc)
        self._proc = None
        if self._profile:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None


class WebKitEngine:
    name = "webkit"

    def __init__(self) -> None:
        self._xvfb: subprocess.Popen[bytes] | None = None
        self._wd: subprocess.Popen[bytes] | None = None
        self._port = 0
        self._driver: Any = None
        self._env: dict[str, str] = {}
        self._version = "WebKitGTK"
        #: True: a new session (a new MiniBrowser) per page; False: one session, navigated, renewed
        #: every `pages_per_session` pages (the runner then gives each scenario fresh origins)
        self.session_per_page = True
        self.pages_per_session = 100
        self._pages = 0

    def start(self) -> None:
        display = self._start_xvfb()
        self._env = dict(os.environ, DISPLAY=display, LC_ALL="en_US.UTF-8", LANG="en_US.UTF-8",
                         LANGUAGE="en_US")
        self._start_driver()

    def _start_driver(self) -> None:
        self._port = _free_port()
        self._wd = subprocess.Popen(
            [WEBKIT_DRIVER_BIN, f"--port={self._port}", "--host=127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=self._env,
            start_new_session=True,
        )
        if not _wait_port(self._port, 30):
            self.stop()
            raise RuntimeError("webkit: WebKitWebDriver did not listen within 30 s")

    def _start_xvfb(self) -> str:
        for n in range(99, 140):
            if os.path.exists(f"/tmp/.X11-unix/X{n}") or os.path.exists(f"/tmp/.X{n}-lock"):
                continue
            self._xvfb = subprocess.Popen(
                [XVFB_BIN, f":{n}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            )
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if os.path.exists(f"/tmp/.X11-unix/X{n}"):
                    return f":{n}"
                if self._xvfb.poll() is not None:
                    break
                time.sleep(0.05)
            _kill(self._xvfb)
            self._xvfb = None
        raise RuntimeError("webkit: could not start Xvfb")

    def version(self) -> str:
        return self._version

    def _new_session(self) -> Any:
        from selenium import webdriver
        from selenium.webdriver.webkitgtk.options import Options

        opts = Options()
        mb = _minibrowser()
        assert mb is not None
        opts.binary_location = mb
        opts.add_argument("--automation")
        from selenium.webdriver.remote.client_config import ClientConfig

        addr = f"http://127.0.0.1:{self._port}"
        # every WebDriver call is bounded: a MiniBrowser that crashed can leave the driver's
        # answer pending for ever (seen once in CI-like runs); page loads and scripts stop at 30 s
        config = ClientConfig(remote_server_addr=addr, timeout=WEBDRIVER_CALL_TIMEOUT_S)
        drv = webdriver.Remote(command_executor=addr, options=opts, client_config=config)
        drv.set_page_load_timeout(30)
        drv.set_script_timeout(30)
        caps = drv.capabilities
        self._version = f"WebKitGTK {caps.get('browserVersion', '')}".strip()
        return drv

    def open(self, url: str) -> None:
        try:
            self._open(url)
        except Exception:  # noqa: BLE001 - a dead or hung browser: start the driver again, retry once
            self._restart_driver()
            self._open(url)

    def _open(self, url: str) -> None:
        if self.session_per_page or self._driver is None or self._pages >= self.pages_per_session:
            self._quit()
            self._driver = self._new_session()
            self._pages = 0
        self._pages += 1
        self._driver.get(url)

    def _restart_driver(self) -> None:
        """Drop the session without asking the driver (it may not answer) and start a new
        WebKitWebDriver on the same Xvfb."""
        self._driver = None
        _kill(self._wd)
        self._wd = None
        self._start_driver()

    def pump(self, seconds: float) -> None:
        time.sleep(seconds)

    def close_page(self) -> None:
        if self.session_per_page:
            self._quit()
        elif self._driver is not None:
            try:
                self._driver.get("about:blank")
            except Exception:  # noqa: BLE001
                self._quit()

    def _quit(self) -> None:
        if self._driver is not None:
            try:
                self._driver.quit()
            except Exception:  # noqa: BLE001
                pass
            self._driver = None

    def stop(self) -> None:
        self._quit()
        _kill(self._wd)
        self._wd = None
        _kill(self._xvfb)
        self._xvfb = None


def make_engine(name: str) -> Engine:
    reason = missing_reason(name)
    if reason is not None:
        raise EngineMissing(f"{name}: {reason}")
    if name == "chromium":
        return ChromiumEngine()
    if name == "firefox":
        return FirefoxEngine()
    return WebKitEngine()
