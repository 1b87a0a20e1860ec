// Package echo checks wixauth under echo v4 with its own error handler,
// both as echo middleware (e.Use(echo.WrapMiddleware(...))) and wrapping
// the echo server from outside.
package echo

import (
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/frameworktest"
)

func newEcho() *echo.Echo {
	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		code := http.StatusInternalServerError
		var he *echo.HTTPError
		if errors.As(err, &he) {
			code = he.Code
		}
		c.String(code, frameworktest.Marker+" "+strconv.Itoa(code))
	}
	e.GET("/ok", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/conflict", func(c echo.Context) error { return echo.NewHTTPError(http.StatusConflict, "taken") })
	e.GET("/boom", func(c echo.Context) error { return errors.New("boom") })
	return e
}

// e.Use(echo.WrapMiddleware(auth.Middleware)): echo writes the handler's
// error after the middleware returned, through the writer it got.
func TestEchoUse(t *testing.T) {
	frameworktest.Run(t, func(auth *wixauth.Auth) http.Handler {
		e := newEcho()
		e.Use(echo.WrapMiddleware(auth.Middleware))
		return e
	})
}

// With the app's own LoadAndSave inside, as the shop had it.
func TestEchoUseWithLoadAndSave(t *testing.T) {
	frameworktest.RunWithLoadAndSave(t, func(auth *wixauth.Auth) http.Handler {
		e := newEcho()
		e.Use(echo.WrapMiddleware(auth.Middleware), echo.WrapMiddleware(auth.Config().Sessions.LoadAndSave))
		return e
	})
}

// auth.Middleware(e): the whole echo server inside the middleware.
func TestEchoOutside(t *testing.T) {
	frameworktest.Run(t, func(auth *wixauth.Auth) http.Handler {
		return auth.Middleware(newEcho())
	})
}
