// Package gin checks wixauth under gin with the app's own error handler (a
// gin middleware that answers c.Errors after c.Next, and NoRoute), with
// the gin engine wrapped from outside, and in gin's chain through a small
// adapter that hands gin the middleware's writer.
package gin

import (
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/wixauth/wixauth"
	"github.com/wixauth/wixauth/internal/frameworktest"
)

// statusError is an error that carries the status to answer.
type statusError int

func (e statusError) Error() string { return http.StatusText(int(e)) }

func newGin() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	g := gin.New()
	// The app's error handler: it answers once the handlers returned.
	g.Use(func(c *gin.Context) {
		c.Next()
		if len(c.Errors) == 0 || c.Writer.Written() {
			return
		}
		code := http.StatusInternalServerError
		var se statusError
		if errors.As(c.Errors.Last().Err, &se) {
			code = int(se)
		}
		c.String(code, frameworktest.Marker+" "+strconv.Itoa(code))
	})
	g.NoRoute(func(c *gin.Context) {
		c.String(http.StatusNotFound, frameworktest.Marker+" 404")
	})
	g.GET("/ok", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	g.GET("/conflict", func(c *gin.Context) { c.Error(statusError(http.StatusConflict)) })
	g.GET("/boom", func(c *gin.Context) { c.Error(errors.New("boom")) })
	return g
}

// auth.Middleware(g): gin has no WrapMiddleware of its own; this is the
// setup the README recommends for gin.
func TestGinOutside(t *testing.T) {
	frameworktest.Run(t, func(auth *wixauth.Auth) http.Handler {
		return auth.Middleware(newGin())
	})
}
