// Package chi checks wixauth under chi with the app's own error handling
// (handlers returning errors, chi's NotFound), both as chi middleware
// (r.Use) and wrapping the router from outside.
package chi

import (
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/frameworktest"
)

// statusError is an error that carries the status to answer.
type statusError int

func (e statusError) Error() string { return http.StatusText(int(e)) }

// handle adapts a handler that returns an error, the usual chi idiom: the
// app's error handler writes once the handler returned.
func handle(h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			code := http.StatusInternalServerError
			var se statusError
			if errors.As(err, &se) {
				code = int(se)
			}
			writeError(w, code)
		}
	}
}

func writeError(w http.ResponseWriter, code int) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	w.Write([]byte(frameworktest.Marker + " " + strconv.Itoa(code)))
}

func routes(r chi.Router) {
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { writeError(w, http.StatusNotFound) })
	r.Get("/ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	r.Get("/conflict", handle(func(http.ResponseWriter, *http.Request) error { return statusError(http.StatusConflict) }))
	r.Get("/boom", handle(func(http.ResponseWriter, *http.Request) error { return errors.New("boom") }))
}

// r.Use(auth.Middleware).
func TestChiUse(t *testing.T) {
	frameworktest.Run(t, func(auth *wixauth.Auth) http.Handler {
		r := chi.NewRouter()
		r.Use(auth.Middleware)
		routes(r)
		return r
	})
}

// auth.Middleware(r).
func TestChiOutside(t *testing.T) {
	frameworktest.Run(t, func(auth *wixauth.Auth) http.Handler {
		r := chi.NewRouter()
		routes(r)
		return auth.Middleware(r)
	})
}
