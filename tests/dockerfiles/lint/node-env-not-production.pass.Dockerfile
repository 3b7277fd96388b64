FROM node:20.11-alpine AS base
ARG MODE=production
ENV NODE_ENV=${MODE}
FROM base
CMD ["node", "server.js"]
