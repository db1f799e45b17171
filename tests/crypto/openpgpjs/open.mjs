// A recipient's OpenPGP.js client (the engine of Proton Mail and Mailvelope), with its default settings:
// reads {"message", "secretKey", "signerKey"} (armored) as JSON on stdin, decrypts the message with the secret
// key and requires a valid signature by the signer's key (expectSigned), then prints
// {"plaintext": <hex>, "signer": <key id of the verified signature>} — or exits 1 with the library's error.
import * as openpgp from "openpgp";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));

try {
  const { data, signatures } = await openpgp.decrypt({
    message: await openpgp.readMessage({ armoredMessage: request.message }),
    decryptionKeys: await openpgp.readPrivateKey({ armoredKey: request.secretKey }),
    verificationKeys: await openpgp.readKey({ armoredKey: request.signerKey }),
    expectSigned: true,
    format: "binary",
  });
  await signatures[0].verified; // throws unless the signature is good
  const signer = signatures[0].keyID.toHex();
  process.stdout.write(JSON.stringify({ plaintext: Buffer.from(data).toString("hex"), signer }));
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
