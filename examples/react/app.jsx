// <appengage-chat-button> in React 19: a custom element is used in JSX like any tag; React
// sets its attributes, assigns `request` as a property, and listens to its `chat` event
// through the `onchat` prop (React 19 adds listeners for on* props of custom elements).
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import 'appengage/button'; // defines <appengage-chat-button>

const q = new URLSearchParams(location.search);
// A real app ships its LivePerson account id and leaves csds-domain out (the msdkgw host is
// then looked up at api.liveperson.net); ?account=&sim= point it at the local simulator.
const accountId = q.get('account') || '12345678';
const csdsDomain = q.get('sim') || undefined;

// The request, SDEs included, as a property (attributes cannot carry objects).
const request = {
  appType: 'EXTERNAL',
  appDetails: { deviceFamily: 'DESKTOP', appVersion: '2.4.0' },
  consumerSections: ['react', 'checkout'],
  engagementAttributes: [{ type: 'cart', total: 42.5, currency: 'USD', numItems: 1 }],
};

function App() {
  const [chat, setChat] = useState(null); // the engagement the user asked to chat with
  const [state, setState] = useState('checking');
  return (
    <main>
      <h1>Checkout</h1>
      <p>Questions about your order?</p>
      <appengage-chat-button
        account-id={accountId}
        csds-domain={csdsDomain}
        interval="60"
        request={request}
        onengagement={(ev) => setState(ev.detail.status)}
        onerror={(ev) => setState(`error (${ev.detail.code})`)}
        onchat={(ev) => setChat(ev.detail)}
      >
        Chat with us
      </appengage-chat-button>
      <p id="react-state">Last answer: {state}</p>
      {chat && (
        <p id="react-chat" role="status">
          Opening chat for engagement {String(chat.engagementDetails.engagementId)} (context {chat.engagementDetails.contextId})…
        </p>
      )}
    </main>
  );
}

createRoot(document.getElementById('root')).render(<App />);
