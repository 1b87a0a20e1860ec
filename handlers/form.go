package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"unicode/utf8"
)

// formError is a request body the handlers cannot take.
type formError struct {
	status int
	msg    string
}

func (e *formError) Error() string { return e.msg }

// maxField bounds any one field: emails, passwords, codes and return URLs
// are all far shorter.
const maxField = 4096

// readForm reads a POST body, an HTML form or a JSON object of strings, into
// one value per field. Oversized bodies or fields, repeated fields, non-UTF-8
// text and other content types are refused with a formError.
func (h *Handlers) readForm(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	fields := map[string]string{}
	if r.Method != http.MethodPost {
		for k, v := range r.URL.Query() {
			fields[k] = v[0]
		}
		return fields, nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes)
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		var raw map[string]any
		dec := json.NewDecoder(r.Body)
		if err := dec.Decode(&raw); err != nil {
			return nil, bodyError(err, "the body is not a JSON object")
		}
		for k, v := range raw {
			s, ok := v.(string)
			if !ok {
				return nil, &formError{http.StatusBadRequest, fmt.Sprintf("the field %q must be a string", k)}
			}
			fields[k] = s
		}
	case "application/x-www-form-urlencoded", "multipart/form-data":
		// ParseMultipartForm hides ParseForm's errors (a body too large, a
		// bad escape) for urlencoded bodies: an unreadable form must not
		// pass as an empty one.
		var err error
		if mt == "multipart/form-data" {
			err = r.ParseMultipartForm(h.cfg.MaxBodyBytes)
		} else {
			err = r.ParseForm()
		}
		if err != nil {
			return nil, bodyError(err, "the form could not be read")
		}
		for k, v := range r.PostForm {
			if len(v) > 1 {
				return nil, &formError{http.StatusBadRequest, fmt.Sprintf("the field %q is given more than once", k)}
			}
			fields[k] = v[0]
		}
	default:
		return nil, &formError{http.StatusUnsupportedMediaType, "send the form as application/x-www-form-urlencoded or application/json"}
	}
	for k, v := range fields {
		if len(v) > maxField || !utf8.ValidString(v) {
			return nil, &formError{http.StatusBadRequest, fmt.Sprintf("the field %q is too long or not UTF-8 text", k)}
		}
	}
	return fields, nil
}

func bodyError(err error, msg string) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &formError{http.StatusRequestEntityTooLarge, "the request body is too large"}
	}
	return &formError{http.StatusBadRequest, msg}
}

// badForm answers a body readForm refused.
func (h *Handlers) badForm(w http.ResponseWriter, r *http.Request, flow Flow, err error) {
	status, msg := http.StatusBadRequest, err.Error()
	var fe *formError
	if errors.As(err, &fe) {
		status = fe.status
	}
	h.respond(w, r, Result{Flow: flow, Status: status, ErrorCode: ErrorCodeBadRequest, Error: "The request was refused: " + msg + ".", Form: true})
}
