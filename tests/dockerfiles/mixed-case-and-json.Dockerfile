from alpine:3.19 as Base
run ["/bin/sh", "-c", "echo json form"]
Run echo shell form && \
    echo continued
copy --link ["a", "b", "/dst/"]
add --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/x.tgz /x.tgz
healthcheck NONE
entrypoint ["sh"]
cmd []
