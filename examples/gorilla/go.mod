module github.com/wixauth/wixauth/examples/gorilla

go 1.25.0

replace github.com/wixauth/wixauth => ../..

require (
	github.com/gorilla/mux v1.8.1
	github.com/wixauth/wixauth v0.0.0-00010101000000-000000000000
)

require (
	github.com/alexedwards/scs/v2 v2.9.0 // indirect
	github.com/gomodule/redigo v1.9.3 // indirect
	github.com/google/uuid v1.6.0 // indirect
)
