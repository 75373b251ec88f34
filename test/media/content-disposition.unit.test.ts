import { expect } from 'chai';
import { formatAttachmentDisposition } from '../../src/media/index.js';

describe('formatAttachmentDisposition', () => {
  it('quotes a plain ASCII filename', () => {
    expect(formatAttachmentDisposition('call 42.wav')).to.equal(
      'attachment; filename="call 42.wav"',
    );
  });

  it('adds a UTF-8 filename* with an ASCII fallback for other characters', () => {
    expect(formatAttachmentDisposition('reçu é.pdf')).to.equal(
      `attachment; filename="re_u _.pdf"; filename*=UTF-8''re%C3%A7u%20%C3%A9.pdf`,
    );
  });

  it('keeps quotes and backslashes out of the quoted name', () => {
    expect(formatAttachmentDisposition('a"b\\c.txt')).to.equal(
      `attachment; filename="a_b_c.txt"; filename*=UTF-8''a%22b%5Cc.txt`,
    );
  });

  it('drops control characters so no header can be injected', () => {
    expect(formatAttachmentDisposition('x\r\nSet-Cookie: y.txt')).to.equal(
      'attachment; filename="xSet-Cookie: y.txt"',
    );
  });

  it('falls back to "download" for an empty name', () => {
    expect(formatAttachmentDisposition(' \n')).to.equal('attachment; filename="download"');
  });
});
