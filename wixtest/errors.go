package wixtest

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// wixError is the error body of Wix's API gateway; exactly one of the detail
// kinds is set.
type wixError struct {
	Message string       `json:"message"`
	Details errorDetails `json:"details"`
}

type errorDetails struct {
	ApplicationError *applicationError `json:"applicationError,omitempty"`
	ValidationError  *validationError  `json:"validationError,omitempty"`
}

type applicationError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

type validationError struct {
	FieldViolations []fieldViolation `json:"fieldViolations"`
}

type fieldViolation struct {
	Field       string            `json:"field"`
	Description string            `json:"description"`
	Data        map[string]string `json:"data,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("wixtest: marshal response: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeAppError answers the usual Wix error: an application error code plus
// a human description.
func writeAppError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, wixError{
		Message: description,
		Details: errorDetails{ApplicationError: &applicationError{Code: code, Description: description}},
	})
}

// writeFieldError answers a validation error for one field; typ, when set,
// goes to data.type (the SDK looks for "EMAIL" there).
func writeFieldError(w http.ResponseWriter, field, description, typ string) {
	v := fieldViolation{Field: field, Description: description}
	if typ != "" {
		v.Data = map[string]string{"type": typ}
	}
	writeJSON(w, http.StatusBadRequest, wixError{
		Message: field + ": " + description,
		Details: errorDetails{ValidationError: &validationError{FieldViolations: []fieldViolation{v}}},
	})
}

// writeOAuthError answers an RFC 6749 error, the shape of the token endpoint.
func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// writeBadJSON is the answer to a body that is not the JSON object expected.
func writeBadJSON(w http.ResponseWriter, err error) {
	writeAppError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "request body is not valid JSON: "+err.Error())
}

// statusCode names an HTTP status the way Wix's gateway does in
// applicationError.code for generic failures.
func statusCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusConflict:
		return "ALREADY_EXISTS"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	case http.StatusNotImplemented:
		return "UNIMPLEMENTED"
	case http.StatusServiceUnavailable, http.StatusBadGateway:
		return "UNAVAILABLE"
	case http.StatusGatewayTimeout:
		return "DEADLINE_EXCEEDED"
	}
	if status >= 500 {
		return "INTERNAL"
	}
	return "UNKNOWN"
}

// decodeJSON decodes a request body that must be a JSON object.
func decodeJSON(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return err
	}
	return nil
}

// decodeStrict decodes raw into v and refuses fields v does not have, for
// the objects whose fields the SDK's typings list completely.
func decodeStrict(raw []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	return d.Decode(v)
}
