package licensekit

// #include <stdint.h>
// #include <stdlib.h>
// #include <licensekit.h>
// extern void licensekitGoStatus(lk_status status, void *user_data);
import "C"

import (
	"runtime/cgo"
	"sync"
	"unsafe"
)

// statusListener holds a client's Go callback. It is registered once, as the C callback's
// user_data (a cgo.Handle kept in C memory), and lives until the C client is freed: the C
// library may still be inside a call just after a callback is replaced or removed.
type statusListener struct {
	mu       sync.Mutex
	callback func(Status)
	handle   cgo.Handle
	cell     *C.uintptr_t
}

func newStatusListener() *statusListener {
	l := &statusListener{}
	l.handle = cgo.NewHandle(l)
	l.cell = (*C.uintptr_t)(C.malloc(C.size_t(unsafe.Sizeof(C.uintptr_t(0)))))
	*l.cell = C.uintptr_t(l.handle)
	return l
}

func (l *statusListener) set(callback func(Status)) {
	l.mu.Lock()
	l.callback = callback
	l.mu.Unlock()
}

// free is called once the C client is freed (no call can come after).
func (l *statusListener) free() {
	l.handle.Delete()
	C.free(unsafe.Pointer(l.cell))
}

//export licensekitGoStatus
func licensekitGoStatus(status C.lk_status, userData unsafe.Pointer) {
	l := cgo.Handle(*(*C.uintptr_t)(userData)).Value().(*statusListener)
	l.mu.Lock()
	callback := l.callback
	l.mu.Unlock()
	if callback == nil {
		return
	}
	// A panic must not unwind into the C library's frames: it is dropped here.
	defer func() { _ = recover() }()
	callback(Status(status))
}
