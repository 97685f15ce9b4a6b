vcl 4.1;
# Alliance Hub's edge: Varnish in front of gunicorn (docs/caching.md, "The edge").
#
# - Anonymous GET/HEAD requests are looked up without their cookies; signed-in visitors
#   (a session cookie), a one-off message waiting, the admin and account pages are passed
#   to the site untouched and nothing they are answered is kept.
# - Only what the site marks for it is kept: a response saying `s-maxage` (for that long,
#   less its `Age`), with `stale-while-revalidate` as its grace, and never one that sets a
#   cookie or says private/no-store/no-cache. Varnish's own default lifetime never applies.
# - PURGE (one address) and BAN (everything carrying a Cache-Tag) are accepted only from the
#   app's addresses (acl purgers); anyone else is answered 405.
#
# The backend and the purge ACL are the only lines that differ between places: docker-compose
# uses this file as it is; deploy/edge-local.sh and the tests substitute the backend's host and
# port (the lines marked "backend host"/"backend port").

backend default {
    .host = "web";        # backend host
    .port = "8000";       # backend port
    .connect_timeout = 5s;
    .first_byte_timeout = 60s;
    .between_bytes_timeout = 30s;
}

# Who may purge: the app's own processes. Names in parentheses are looked up when the VCL
# is loaded and skipped if they do not resolve (the docker-compose services).
acl purgers {
    "127.0.0.1";
    ("web");
    ("worker");
    ("worker-webhooks");
    ("worker-email");
    ("beat");
}

sub vcl_recv {
    if (req.method == "PURGE" || req.method == "BAN") {
        if (client.ip !~ purgers) {
            return (synth(405, "Not allowed"));
        }
        if (req.method == "BAN") {
            if (!req.http.Cache-Tag) {
                return (synth(400, "A BAN names the Cache-Tag to drop"));
            }
            # obj.* only, so the ban lurker can clear old objects in the background.
            ban("obj.http.Cache-Tag == " + req.http.Cache-Tag);
            return (synth(200, "Banned"));
        }
        return (purge);
    }
    # The site's own caching header is set by the site, never by a visitor.
    unset req.http.X-Page-Cache;
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.http.Authorization) {
        return (pass);
    }
    # Signed in, or a message waiting to be shown once: the site answers, nothing is kept.
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|messages)=") {
        return (pass);
    }
    # Pages the site never shares (cms.cache.EXCLUDED_PREFIXES); their forms need cookies.
    if (req.url ~ "^/(admin|django-admin|accounts|account|documents)/") {
        return (pass);
    }
    # Tracking parameters change nothing on a page (the site leaves them out of its own
    # cache key): one kept page, not one per shared link.
    if (req.url ~ "[?&](utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid)=") {
        set req.url = regsuball(req.url, "([?&])(utm_[a-z]+|fbclid|gclid|mc_cid|mc_eid)=[^&]*", "\1");
        set req.url = regsuball(req.url, "([?&])&+", "\1");
        set req.url = regsub(req.url, "[?&]+$", "");
    }
    # Anonymous: cookies (a CSRF token, analytics) never reach the cache. A page with a
    # form sets a new CSRF cookie, so it is passed on uncached by vcl_backend_response.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_hash {
    hash_data(req.url);
    if (req.http.host) {
        hash_data(req.http.host);
    } else {
        hash_data(server.ip);
    }
    # The site answers http with a redirect to https: never one for the other.
    hash_data(req.http.X-Forwarded-Proto);
    return (lookup);
}

sub vcl_backend_response {
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (beresp.http.Set-Cookie
        || beresp.http.Cache-Control !~ "s-maxage"
        || beresp.http.Cache-Control ~ "(private|no-store|no-cache)") {
        # Not for sharing: remember that for a while, so requests for it are not queued
        # behind one another (hit-for-miss), and keep nothing.
        set beresp.ttl = 120s;
        set beresp.uncacheable = true;
        return (deliver);
    }
    # beresp.ttl comes from s-maxage less Age, beresp.grace from stale-while-revalidate.
    if (beresp.http.Cache-Control !~ "stale-while-revalidate") {
        set beresp.grace = 0s;
    }
    # Text is kept compressed, once: sent as kept to every browser (they all ask for gzip),
    # a fifth to a tenth of the bytes, and uncompressed on the way out only for a client
    # that does not ask for it.
    if (!beresp.http.Content-Encoding
        && beresp.http.Content-Type ~ "^(text/|application/(json|xml|rss\+xml|atom\+xml|javascript)|image/svg\+xml)") {
        set beresp.do_gzip = true;
    }
    return (deliver);
}

sub vcl_deliver {
    # Whether the edge answered (tests and benchmarks read it), not what it holds.
    if (obj.uncacheable) {
        set resp.http.X-Edge-Cache = "pass";
    } elsif (obj.hits > 0) {
        set resp.http.X-Edge-Cache = "hit";
    } else {
        set resp.http.X-Edge-Cache = "miss";
    }
    unset resp.http.Cache-Tag;
    unset resp.http.Via;
    unset resp.http.X-Varnish;
    return (deliver);
}

sub vcl_synth {
    set resp.http.Content-Type = "text/plain; charset=utf-8";
    set resp.body = resp.reason;
    return (deliver);
}
