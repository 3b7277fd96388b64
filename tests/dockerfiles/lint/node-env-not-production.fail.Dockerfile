FROM node:20.11-alpine AS build
ENV NODE_ENV=production
FROM node:20.11-alpine
ENV NODE_ENV=development
CMD ["node", "server.js"]
# expect: 3
