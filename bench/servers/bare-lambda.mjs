// The cold-start and bundle-size baseline: a Lambda handler that answers 200 and does nothing else.
export const handler = async () => ({ statusCode: 200, headers: {}, body: "", isBase64Encoded: false });
