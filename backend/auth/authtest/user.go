// Package authtest helps tests sign in against the real test peers: it
// finds (or starts) the OIDC provider of scripts/idp.sh and a MinIO that
// trusts it, and plays the user on the provider's web pages. For tests only;
// it imports nothing of Smallfry's, so any package's tests can use it.
package authtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// User is how the simulated person behaves on the IdP's pages.
type User struct {
	Name     string
	Password string
	// Deny presses Deny on the consent page (the device flow then ends with
	// access_denied).
	Deny bool
	// Abort presses Abort on the device confirmation page, before logging in.
	Abort bool
}

// PlayUser does in net/http what a person does in a browser: opens the
// plain verification URI, types the user code, confirms the device, logs
// in and allows (or denies) access. It returns once the IdP shows its last
// page; the app's polling then gets its answer.
func PlayUser(ctx context.Context, verificationURI, userCode string, u User) error {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return err
	}
	b := &browser{ctx: ctx, client: &http.Client{Jar: jar}}

	page, err := b.get(verificationURI)
	if err != nil {
		return err
	}
	form, err := page.form("op.deviceInputForm")
	if err != nil {
		return err
	}
	form.values.Set("user_code", userCode)
	if page, err = b.submit(form, ""); err != nil {
		return err
	}
	form, err = page.form("op.deviceConfirmForm")
	if err != nil {
		return err
	}
	button := ""
	if u.Abort {
		button = "abort"
	}
	if page, err = b.submit(form, button); err != nil {
		return err
	}
	if u.Abort {
		return page.expect("Sign-in")
	}

	form, err = page.formWithAction("/login")
	if err != nil {
		return err
	}
	form.values.Set("username", u.Name)
	form.values.Set("password", u.Password)
	if page, err = b.submit(form, ""); err != nil {
		return err
	}
	action := "/confirm"
	if u.Deny {
		action = "/abort"
	}
	form, err = page.formWithAction(action)
	if err != nil {
		return err
	}
	if page, err = b.submit(form, ""); err != nil {
		return err
	}
	if u.Deny {
		return nil
	}
	return page.expect("Sign-in success")
}

type browser struct {
	ctx    context.Context
	client *http.Client
}

type page struct {
	url   *url.URL
	title string
	text  string
	forms []*form
}

type form struct {
	id, action string
	values     url.Values
	buttons    map[string]string // name -> value, of submit buttons
}

func (b *browser) get(u string) (*page, error) {
	req, err := http.NewRequestWithContext(b.ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	return b.do(req)
}

func (b *browser) submit(f *form, button string) (*page, error) {
	values := url.Values{}
	for k, v := range f.values {
		values[k] = append([]string(nil), v...)
	}
	if button != "" {
		v, ok := f.buttons[button]
		if !ok {
			return nil, fmt.Errorf("form %q has no button %q", f.id, button)
		}
		values.Set(button, v)
	}
	req, err := http.NewRequestWithContext(b.ctx, http.MethodPost, f.action, strings.NewReader(values.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func (b *browser) do(req *http.Request) (*page, error) {
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	p, err := parsePage(resp.Request.URL, string(body))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return p, fmt.Errorf("%s %s: %s: %s", req.Method, resp.Request.URL.Path, resp.Status, p.text)
	}
	return p, nil
}

func (p *page) form(id string) (*form, error) {
	for _, f := range p.forms {
		if f.id == id {
			return f, nil
		}
	}
	return nil, fmt.Errorf("page %q (%s) has no form %q: %s", p.title, p.url.Path, id, p.text)
}

func (p *page) formWithAction(suffix string) (*form, error) {
	for _, f := range p.forms {
		if strings.HasSuffix(f.action, suffix) {
			return f, nil
		}
	}
	return nil, fmt.Errorf("page %q (%s) has no form posting to *%s: %s", p.title, p.url.Path, suffix, p.text)
}

func (p *page) expect(title string) error {
	if p.title != title {
		return fmt.Errorf("expected the page %q, got %q (%s): %s", title, p.title, p.url.Path, p.text)
	}
	return nil
}

// parsePage reads the title, the visible text and the forms, with their
// hidden inputs and the submit buttons that name them (form="id").
func parsePage(base *url.URL, body string) (*page, error) {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	p := &page{url: base}
	byID := map[string]*form{}
	var text strings.Builder
	var walk func(n *html.Node, cur *form)
	walk = func(n *html.Node, cur *form) {
		if n.Type == html.TextNode {
			if t := strings.TrimSpace(n.Data); t != "" {
				text.WriteString(t + " ")
			}
		}
		if n.Type == html.ElementNode {
			switch n.Data {
			case "title":
				if n.FirstChild != nil {
					p.title = strings.TrimSpace(n.FirstChild.Data)
				}
			case "form":
				action := attr(n, "action")
				ref, err := base.Parse(action)
				if err == nil {
					action = ref.String()
				}
				cur = &form{id: attr(n, "id"), action: action, values: url.Values{}, buttons: map[string]string{}}
				p.forms = append(p.forms, cur)
				if cur.id != "" {
					byID[cur.id] = cur
				}
			case "input":
				if f := owner(n, cur, byID); f != nil && attr(n, "name") != "" {
					f.values.Set(attr(n, "name"), attr(n, "value"))
				}
			case "button":
				if f := owner(n, cur, byID); f != nil && attr(n, "name") != "" {
					f.buttons[attr(n, "name")] = attr(n, "value")
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, cur)
		}
	}
	walk(doc, nil)
	p.text = strings.TrimSpace(text.String())
	return p, nil
}

func owner(n *html.Node, cur *form, byID map[string]*form) *form {
	if id := attr(n, "form"); id != "" {
		return byID[id]
	}
	return cur
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// errNoPeer marks a peer that is neither configured nor startable.
var errNoPeer = errors.New("peer not available")
