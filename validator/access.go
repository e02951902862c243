package validator

import "strings"

// specKeyword is the keyword of the user's spec that a keyword the conversion added stands for:
// readOnly for the keyword that forbids a readOnly property in requests, writeOnly for the one
// that forbids a writeOnly property in responses. Other keywords are their own.
func specKeyword(kw string) string {
	switch kw {
	case kwForbidReadOnly:
		return "readOnly"
	case kwForbidWriteOnly:
		return "writeOnly"
	}
	return kw
}

// specPointer maps a JSON pointer that ends at a keyword the conversion added onto the spec's
// own keyword beside it, which is where a user can find and change it.
func specPointer(ptr string) string {
	i := strings.LastIndexByte(ptr, '/')
	if i < 0 {
		return ptr
	}
	if kw := specKeyword(ptr[i+1:]); kw != ptr[i+1:] {
		return ptr[:i+1] + kw
	}
	return ptr
}
