import { S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { ensureBucket } from '../../src/media/s3-bucket.js';

function s3Failure(name: string, httpStatusCode: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode } });
}

describe('ensureBucket', () => {
  /** A client that answers each command name from a script, in order. */
  function scriptedClient(script: Array<[string, Error | null]>): {
    client: S3Client;
    sent: string[];
  } {
    const sent: string[] = [];
    const client = {
      send: async (command: object) => {
        const name = command.constructor.name;
        sent.push(name);
        const [expected, failure] = script.shift() ?? ['(none)', null];
        expect(name).to.equal(expected);
        if (failure) throw failure;
        return {};
      },
    } as unknown as S3Client;
    return { client, sent };
  }

  it('uses an existing bucket without creating it', async () => {
    const { client, sent } = scriptedClient([['HeadBucketCommand', null]]);
    expect(await ensureBucket(client, 'b', 'us-east-1')).to.equal('existing');
    expect(sent).to.deep.equal(['HeadBucketCommand']);
  });

  it('creates a missing bucket', async () => {
    const { client } = scriptedClient([
      ['HeadBucketCommand', s3Failure('NotFound', 404)],
      ['CreateBucketCommand', null],
    ]);
    expect(await ensureBucket(client, 'b', 'eu-west-1')).to.equal('created');
  });

  it('accepts a bucket another instance created meanwhile', async () => {
    const { client } = scriptedClient([
      ['HeadBucketCommand', s3Failure('NotFound', 404)],
      ['CreateBucketCommand', s3Failure('BucketAlreadyOwnedByYou', 409)],
      ['HeadBucketCommand', null],
    ]);
    expect(await ensureBucket(client, 'b', 'us-east-1')).to.equal('existing');
  });

  it('fails with storage_unavailable when the name belongs to someone else', async () => {
    const { client } = scriptedClient([
      ['HeadBucketCommand', s3Failure('NotFound', 404)],
      ['CreateBucketCommand', s3Failure('BucketAlreadyExists', 409)],
      ['HeadBucketCommand', s3Failure('Forbidden', 403)],
    ]);
    const err = await ensureBucket(client, 'b', 'us-east-1').catch((e: unknown) => e);
    expect(err).to.include({ code: 'storage_unavailable' });
  });
});
