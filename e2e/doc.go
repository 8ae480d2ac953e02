// Package e2e holds the portal's end-to-end tests: the real server, booted
// in-process on a real database, driven through a real headless Chromium
// (github.com/chromedp/chromedp). The tests live in _test.go files; this
// package has no other code.
//
// Chromium is found through PORTAL_TEST_CHROME, then /usr/bin/chromium, then
// /usr/bin/chromium-headless-shell. Without one the tests are skipped with a
// loud line, unless PORTAL_TEST_REQUIRE_BROWSER=1 makes that a failure.
package e2e
