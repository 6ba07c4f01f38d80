vcl 4.1;

# Varnish in front of Pasar (a pasar serve all-in-one, or HAProxy / pasar gateway in front of
# the services). It keeps public catalog reads, search results, product images, assets and
# public pages, and never keeps anything per shopper or per staff member: carts, checkout,
# orders, account, admin, sign-in, and any request with a session or Authorization.
#
# Two locks, both must open for an answer to be kept:
#   1. vcl_recv: only GET/HEAD of the public paths below, without credentials, are looked up;
#      everything else is passed to Pasar untouched.
#   2. vcl_backend_response: only answers Pasar marks "public" (and that set no cookie) are
#      stored, for as long as Pasar's max-age says. Pasar answers carts, checkout and account
#      with "no-store", so even a path added to the list by mistake stays uncached.
#
# Check:   varnishd -C -f /etc/varnish/pasar.vcl >/dev/null
# Watch:   varnishstat -1 -f MAIN.cache_hit -f MAIN.cache_miss -f MAIN.backend_req
# Run the test: go test ./deploy/cdn (starts varnishd in front of a real Pasar).

# Pasar (or the load balancer in front of several). The probe takes a backend that is not ready
# (database or broker away) out until it recovers; cached answers are served meanwhile (grace).
backend pasar {
    .host = "127.0.0.1";
    .port = "8080";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
    .probe = {
        .url = "/readyz";
        .interval = 5s;
        .timeout = 2s;
        .window = 5;
        .threshold = 3;
    }
}

sub vcl_recv {
    unset req.http.X-Pasar-Pass;
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    # Per shopper or staff, whatever the headers say.
    if (req.url ~ "^/(api/v1/)?(carts?|checkout|orders|account|admin|auth|me)(/|\?|$)"
        || req.url ~ "^/(healthz|readyz|metrics)(\?|$)") {
        return (pass);
    }
    # Signed in (session cookie) or calling with a token: Pasar answers for that account.
    if (req.http.Authorization || req.http.Cookie ~ "(^|;)\s*pasar_session=") {
        return (pass);
    }
    if (req.url ~ "^/api/v1/(products|categories|search)(/|\?|$)"
        || req.url ~ "^/(assets|images|uploads)/"
        || req.url ~ "^/(c|p)/"
        || req.url ~ "^/(\?|$)"
        || req.url ~ "^/openapi\.json(\?|$)") {
        # The same answer for every visitor without a session: other cookies (consent,
        # analytics) do not change it, and would make every visitor's copy different.
        unset req.http.Cookie;
        return (hash);
    }
    return (pass);
}

sub vcl_pass {
    set req.http.X-Pasar-Pass = "1";
}

sub vcl_backend_fetch {
    unset bereq.http.X-Pasar-Pass;
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    # Keep only what Pasar marks public; anything else is fetched anew for every request
    # (hit-for-miss for two minutes, so concurrent requests are not queued behind each other).
    if (beresp.http.Set-Cookie
        || beresp.http.Cache-Control !~ "(^|,)\s*public"
        || beresp.http.Cache-Control ~ "(private|no-store|no-cache)"
        || beresp.status >= 500) {
        set beresp.uncacheable = true;
        set beresp.ttl = 120s;
        return (deliver);
    }
    # Serve a stale copy while fetching a fresh one, and for an hour when Pasar is down.
    set beresp.grace = 1h;
    return (deliver);
}

sub vcl_deliver {
    if (req.http.X-Pasar-Pass) {
        set resp.http.X-Cache = "PASS";
    } elsif (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset req.http.X-Pasar-Pass;
}
