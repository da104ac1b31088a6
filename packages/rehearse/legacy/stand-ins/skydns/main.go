// A stand-in for skydns (gcr.io/google_containers/skydns:2015-10-13-8c72f8c), whose source the Go
// module proxy here does not serve: it answers A queries for names under -domain from the records
// kube2sky writes into etcd (the v2 keys API, skydns's layout: /skydns/<labels reversed>/..., each
// leaf {"host": "10.0.0.1", ...}), over UDP and TCP, with NXDOMAIN for names that have no key and
// an empty answer for other types. It does not forward names outside -domain (skydns did). Only the
// standard library, so it builds in GOPATH mode with the era's toolchain.
package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

var (
	machines = flag.String("machines", "http://127.0.0.1:4001", "etcd machines, comma separated")
	addr     = flag.String("addr", "127.0.0.1:53", "address to serve DNS on")
	domain   = flag.String("domain", "skydns.local.", "the domain answered from etcd")
	_        = flag.Bool("ns-rotate", true, "accepted for compatibility; ignored")
	_        = flag.Bool("nameservers", false, "accepted for compatibility; ignored")
)

type node struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Dir   bool   `json:"dir"`
	Nodes []node `json:"nodes"`
}

type record struct {
	Host string `json:"host"`
	TTL  uint32 `json:"ttl"`
}

var client = &http.Client{Timeout: 3 * time.Second}

var errNotFound = errors.New("not found")

// lookup returns the IPv4 addresses and TTL under the name's etcd key.
func lookup(name string) ([]net.IP, uint32, error) {
	labels := strings.Split(strings.TrimSuffix(strings.ToLower(name), "."), ".")
	for i, j := 0, len(labels)-1; i < j; i, j = i+1, j-1 {
		labels[i], labels[j] = labels[j], labels[i]
	}
	path := "/v2/keys/skydns/" + strings.Join(labels, "/") + "?recursive=true"
	var lastErr error
	for _, machine := range strings.Split(*machines, ",") {
		response, err := client.Get(strings.TrimSuffix(machine, "/") + path)
		if err != nil {
			lastErr = err
			continue
		}
		body, err := io.ReadAll(response.Body)
		response.Body.Close()
		if err != nil {
			lastErr = err
			continue
		}
		if response.StatusCode == http.StatusNotFound {
			return nil, 0, errNotFound
		}
		var answer struct {
			Node node `json:"node"`
		}
		if err := json.Unmarshal(body, &answer); err != nil {
			lastErr = err
			continue
		}
		var ips []net.IP
		ttl := uint32(30)
		var walk func(n node)
		walk = func(n node) {
			if n.Dir {
				for _, child := range n.Nodes {
					walk(child)
				}
				return
			}
			var r record
			if json.Unmarshal([]byte(n.Value), &r) != nil {
				return
			}
			if ip := net.ParseIP(r.Host).To4(); ip != nil {
				ips = append(ips, ip)
				if r.TTL > 0 {
					ttl = r.TTL
				}
			}
		}
		walk(answer.Node)
		return ips, ttl, nil
	}
	return nil, 0, lastErr
}

const (
	typeA     = 1
	typeANY   = 255
	rcodeOK   = 0
	rcodeFail = 2
	rcodeNX   = 3
	rcodeNI   = 4
)

// answer builds the response to one DNS query message (nil: drop it).
func answer(query []byte) []byte {
	if len(query) < 12 || binary.BigEndian.Uint16(query[4:6]) != 1 {
		return nil
	}
	offset := 12
	var labels []string
	for {
		if offset >= len(query) {
			return nil
		}
		length := int(query[offset])
		offset++
		if length == 0 {
			break
		}
		if length > 63 || offset+length > len(query) {
			return nil
		}
		labels = append(labels, string(query[offset:offset+length]))
		offset += length
	}
	if offset+4 > len(query) {
		return nil
	}
	qtype := binary.BigEndian.Uint16(query[offset : offset+2])
	question := query[12 : offset+4]
	name := strings.ToLower(strings.Join(labels, ".")) + "."
	zone := strings.ToLower(*domain)
	if !strings.HasSuffix(zone, ".") {
		zone += "."
	}
	rcode := rcodeOK
	var ips []net.IP
	var ttl uint32
	if query[2]&0x78 != 0 {
		rcode = rcodeNI
	} else if name != zone && !strings.HasSuffix(name, "."+zone) {
		rcode = rcodeFail
	} else {
		var err error
		ips, ttl, err = lookup(name)
		switch {
		case err == errNotFound:
			rcode = rcodeNX
		case err != nil:
			log.Printf("%s: %v", name, err)
			rcode = rcodeFail
		}
	}
	if qtype != typeA && qtype != typeANY {
		ips = nil
	}
	response := make([]byte, 12, 512)
	copy(response[0:2], query[0:2])
	response[2] = 0x84 | (query[2] & 0x01) // QR, AA, RD as asked
	response[3] = 0x80 | byte(rcode)       // RA
	binary.BigEndian.PutUint16(response[4:6], 1)
	binary.BigEndian.PutUint16(response[6:8], uint16(len(ips)))
	response = append(response, question...)
	for _, ip := range ips {
		rr := []byte{0xc0, 12, 0, typeA, 0, 1, 0, 0, 0, 0, 0, 4}
		binary.BigEndian.PutUint32(rr[6:10], ttl)
		response = append(append(response, rr...), ip...)
	}
	return response
}

func serveUDP(conn net.PacketConn) {
	buffer := make([]byte, 4096)
	for {
		n, from, err := conn.ReadFrom(buffer)
		if err != nil {
			log.Fatalf("udp: %v", err)
		}
		query := append([]byte(nil), buffer[:n]...)
		go func() {
			if response := answer(query); response != nil {
				conn.WriteTo(response, from)
			}
		}()
	}
}

func serveTCP(listener net.Listener) {
	for {
		conn, err := listener.Accept()
		if err != nil {
			log.Fatalf("tcp: %v", err)
		}
		go func() {
			defer conn.Close()
			for {
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				var size [2]byte
				if _, err := io.ReadFull(conn, size[:]); err != nil {
					return
				}
				query := make([]byte, binary.BigEndian.Uint16(size[:]))
				if _, err := io.ReadFull(conn, query); err != nil {
					return
				}
				response := answer(query)
				if response == nil {
					return
				}
				binary.BigEndian.PutUint16(size[:], uint16(len(response)))
				if _, err := conn.Write(append(size[:], response...)); err != nil {
					return
				}
			}
		}()
	}
}

func main() {
	flag.Parse()
	if _, err := url.Parse(*machines); err != nil {
		log.Fatalf("-machines: %v", err)
	}
	udp, err := net.ListenPacket("udp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	tcp, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("skydns stand-in: %s for %s from etcd %s", *addr, *domain, *machines)
	go serveUDP(udp)
	serveTCP(tcp)
}
