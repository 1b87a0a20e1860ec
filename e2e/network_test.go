package e2e

import (
	"strings"
	"sync"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// netLog is what the tab requested and logged, from the DevTools events:
// how a login went (which pages, at top level or not) and whether a page
// broke its Content-Security-Policy.
type netLog struct {
	mu        sync.Mutex
	requests  []netRequest
	mainFrame cdp.FrameID
	app       string
	messages  []string
}

type netRequest struct {
	url   string
	typ   network.ResourceType
	frame cdp.FrameID
}

// watch starts recording the tab's requests and log entries.
func (b *browser) watch(appURL string) *netLog {
	b.t.Helper()
	n := &netLog{app: appURL}
	if err := chromedp.Listen(b.ctx, n.event); err != nil {
		b.t.Fatalf("listening to the tab: %v", err)
	}
	if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{}); err != nil {
		b.t.Fatalf("Network.enable: %v", err)
	}
	if _, err := chromedp.Call(b.ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		b.t.Fatalf("Log.enable: %v", err)
	}
	return n
}

func (n *netLog) event(ev any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if ev.Type == network.ResourceTypeDocument && strings.HasPrefix(ev.Request.URL, n.app+"/") && n.mainFrame == "" {
			n.mainFrame = ev.FrameID // the app's first page is the tab's own frame
		}
		n.requests = append(n.requests, netRequest{ev.Request.URL, ev.Type, ev.FrameID})
	case *cdplog.EventEntryAdded:
		n.messages = append(n.messages, ev.Entry.Text)
	}
}

// reset forgets the requests so far, to look at one step alone.
func (n *netLog) reset() {
	n.mu.Lock()
	n.requests = nil
	n.mu.Unlock()
}

// saw reports a request to a URL starting with prefix.
func (n *netLog) saw(prefix string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, r := range n.requests {
		if strings.HasPrefix(r.url, prefix) {
			return true
		}
	}
	return false
}

// sawTop reports a page of prefix loaded in the tab itself, not in a frame.
func (n *netLog) sawTop(prefix string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, r := range n.requests {
		if r.typ == network.ResourceTypeDocument && r.frame == n.mainFrame && strings.HasPrefix(r.url, prefix) {
			return true
		}
	}
	return false
}

// violations are the log entries about a Content-Security-Policy.
func (n *netLog) violations() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, m := range n.messages {
		if strings.Contains(m, "Content Security Policy") || strings.Contains(m, "Content-Security-Policy") {
			out = append(out, m)
		}
	}
	return out
}
