FROM alpine:3.19
ENV DB_PASSWORD_FILE=/run/secrets/db
ENV APP_PORT=8080 TOKEN_URL=https://auth.example.com/token
