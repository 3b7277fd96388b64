FROM alpine:3.19
RUN echo hi
HEALTHCHECK --interval=30s CMD ["wget", "-qO-", "http://localhost:8080/health"]
CMD ["sh"]
