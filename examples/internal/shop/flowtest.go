package shop

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/testbrowser"
	"github.com/wixauth/wixauth/wiring"
	"github.com/wixauth/wixauth/wixtest"
)

// TestFlow serves the handler routes builds at http://localhost:<port>,
// against a fake Wix at 127.0.0.1 (another site, as Wix is), and runs the
// scripted flow every example passes (testbrowser.Flow).
func TestFlow(t *testing.T, routes func(*Shop, *wixauth.Auth) http.Handler) {
	t.Helper()
	wix := wixtest.NewServer()
	t.Cleanup(wix.Close)
	app := httptest.NewUnstartedServer(nil)
	base := fmt.Sprintf("http://localhost:%d", app.Listener.Addr().(*net.TCPAddr).Port)
	s, auth, closeStore, err := New(wiring.Config{BaseURL: base, ClientID: wix.ClientID, APIURL: wix.URL, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeStore)
	wix.AllowRedirectURI(base + "/auth/callback")
	app.Config.Handler = routes(s, auth)
	app.Start()
	t.Cleanup(app.Close)
	testbrowser.Flow(t, base, wix.URL)
}
