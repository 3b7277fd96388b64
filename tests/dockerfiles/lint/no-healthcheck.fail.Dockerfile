FROM alpine:3.19
RUN echo hi
CMD ["sh"]
# expect: 1
