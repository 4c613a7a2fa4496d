# Writes testdata/validation/*.json from the tables of the App Engagement API spec
# (shared/spec/app-engagement-api.md §4.1, §5, §6.3, §9, §11) -- a second implementation of
# the rules, written from the spec alone and not from core's schemas. core/spec_table_test.go
# runs the cases through the public API. Run: python3 testdata/validation/generate.py
import json, copy, os
OUT = os.path.dirname(os.path.abspath(__file__))

S, D, I, B = 'string', 'double', 'integer', 'boolean'
def enum(*v): return ('enum', list(v))
def obj(fields, required=()): return ('object', fields, set(required))
def arr(elem): return ('array', elem)
DATE = obj({'day': I, 'month': I, 'year': I})
PRODUCT = obj({'name': S, 'category': S, 'sku': S, 'price': D, 'statusInStock': S, 'quantityInStock': I})
ENTRY = obj({'product': PRODUCT, 'quantity': I}, required=['product'])
AGE = obj({'age': I, 'year': I, 'month': I, 'day': I})
CONTACT = obj({'email': S, 'phone': S,
               'phoneType': enum('HOME', 'MOBILE', 'WORK', 'FAX', 'MAIN', 'HOME_FAX', 'WORK_FAX', 'PAGER', 'OTHER'),
               'address': obj({'country': S, 'region': S})})
LANG = ('language',)
IP = ('ip',)
INTENUM = lambda lo, hi: ('intenum', lo, hi)

# §11: top-level fields of each SDE (besides type) and what is required.
SDES = {
    'cart': obj({'total': D, 'currency': S, 'numItems': I, 'products': arr(ENTRY)}, required=['total', 'numItems']),
    'purchase': obj({'total': D, 'currency': S, 'orderId': S,
                     'cart': obj({'products': arr(ENTRY), 'numItems': I}, required=['products'])}),
    'prodView': obj({'currency': S, 'products': arr(ENTRY)}),
    'ctmrinfo': obj({'info': obj({'ctype': S, 'cstatus': S, 'balance': D, 'currency': S, 'customerId': S, 'socialId': S,
                                  'imei': S, 'userName': S, 'companySize': I, 'companyBranch': S, 'accountName': S,
                                  'role': S, 'lastPaymentDate': DATE, 'registrationDate': DATE, 'loginStatus': I,
                                  'storeZipCode': S, 'storeNumber': S})}),
    'mrktInfo': obj({'info': obj({'channel': INTENUM(0, 4), 'affiliate': S, 'campaignId': S})}),
    'personal': obj({'personal': obj({'firstname': S, 'lastname': S, 'age': AGE, 'contacts': arr(CONTACT),
                                      'gender': enum('MALE', 'FEMALE', 'OTHER'), 'company': S, 'language': LANG})}),
    'lead': obj({'lead': obj({'topic': S, 'value': D, 'currency': S, 'leadId': S})}),
    'service': obj({'service': obj({'topic': S, 'status': INTENUM(0, 13), 'category': S, 'serviceId': S})}),
    'error': obj({'error': obj({'contextId': S, 'message': S, 'code': S, 'level': I, 'resolved': B})}),
    'searchInfo': obj({'keywords': arr(S)}),
}
IMPRESSION_IDS = {'campaign': 'number', 'engId': 'number', 'revision': 'number'}
ECONTEXT = arr(obj({'type': enum('engagementContext'), 'id': S}))
IMPRESSIONS = {
    'impDisplay': obj(dict(IMPRESSION_IDS, eContext=ECONTEXT)),
    'impAccept': obj(dict(IMPRESSION_IDS, eContext=ECONTEXT)),
    'impExpanded': obj(dict(IMPRESSION_IDS, expanded=B, userInit=B)),
    'impTimeout': obj(dict(IMPRESSION_IDS)),
    'impClose': obj(dict(IMPRESSION_IDS)),
}

# A plausible value of each type (realistic, so that a client's own range checks do not
# interfere), and wrong values, each with a note.
def good(t):
    if t == S: return 'abc'
    if t == D: return 12.5
    if t == I: return 3
    if t == B: return True
    if t == 'number': return 1111111111
    if t == LANG: return 'en-US'
    if t == IP: return '203.0.113.7'
    if t[0] == 'enum': return t[1][0]
    if t[0] == 'intenum': return t[1]
    if t[0] == 'array': return [good(t[1])]
    if t[0] == 'object':
        fields, req = t[1], t[2]
        return {k: good(v) for k, v in fields.items()}
    raise ValueError(t)

def minimal(t):
    """The object with only its required fields."""
    fields, req = t[1], t[2]
    return {k: good(fields[k]) for k in sorted(req)}

def goods(t):
    """Other valid values, with a note."""
    if t == D: return [(-400.99, 'negative double'), (7, 'whole double')]
    if t == I: return [(3.0, 'integer written 3.0 (the seed sends age 30.0)')]
    if t == 'number': return [(12, 'small number')]
    if t == LANG: return [('fr_CA', 'underscore form')]
    if t == IP: return [('2001:db8::7', 'IPv6'), ('192.168.5.2', 'IPv4 of the seed')]
    if t[0] == 'enum': return [(v, 'enum value ' + v) for v in t[1][1:]]
    if t[0] == 'intenum': return [(v, 'enum value %d' % v) for v in range(t[1] + 1, t[2] + 1)] + [(str(t[1] + 1), 'digit string') ] if t[2] == 4 else [(v, 'enum value %d' % v) for v in range(t[1] + 1, t[2] + 1)]
    if t[0] == 'array': return [([], 'empty array')]
    if t[0] == 'object': return [({}, 'empty object')] if not t[2] else []
    return []

def bads(t):
    """Wrong values (path suffix '' = the field itself), with a note."""
    if t == S: return [(5, '', 'number for a string'), (True, '', 'boolean for a string'), ({}, '', 'object for a string')]
    if t == D: return [('12.5', '', 'string for a double'), (False, '', 'boolean for a double')]
    if t == I: return [(2.5, '', 'fraction for an integer'), ('3', '', 'string for an integer')]
    if t == B: return [('true', '', 'string for a boolean'), (1, '', 'number for a boolean')]
    if t == 'number': return [(True, '', 'boolean for a number'), ('abc', '', 'word for a number')]
    if t == LANG: return [('english', '', 'word for a language'), ('en-us', '', 'lowercase country'), (1, '', 'number for a language')]
    if t == IP: return [('300.1.1.1', '', 'IPv4 out of range'), ('localhost', '', 'host name'), ('1.2.3.4:80', '', 'with a port'), (3232236802, '', 'number')]
    if t[0] == 'enum': return [(t[1][0].lower(), '', 'enum in lower case'), ('NOPE', '', 'not in the enum'), (1, '', 'number for an enum')]
    if t[0] == 'intenum': return [(t[2] + 1, '', 'above the enum'), (-1, '', 'below the enum'), (1.5, '', 'fraction')]
    if t[0] == 'array':
        out = [('x', '', 'string for an array'), ({}, '', 'object for an array')]
        e = t[1]
        for v, suffix, note in bads(e)[:1]:
            out.append(([good(e), v], '[1]' + suffix, 'element: ' + note))
        if e[0] == 'object' if isinstance(e, tuple) else False:
            out.append(([None], '[0]', 'null element'))
        return out
    if t[0] == 'object':
        return [('x', '', 'string for an object'), ([], '', 'array for an object')]
    raise ValueError(t)

def walk(t, prefix, out):
    """Cases for every field of object type t: (path, value-setter...). Yields (path list, value, expected path suffix or None, note)."""
    fields, req = t[1], t[2]
    for name, ft in fields.items():
        p = prefix + [name]
        for v, note in [(good(ft), 'valid')] + goods(ft):
            out.append((p, v, None, note))
        for v, suffix, note in bads(ft):
            out.append((p, v, suffix, note))
        if name in req:
            out.append((p, '<missing>', '', 'required field missing'))
            out.append((p, None, '', 'required field null'))
        if isinstance(ft, tuple) and ft[0] == 'object':
            walk(ft, p, out)
        if isinstance(ft, tuple) and ft[0] == 'array' and isinstance(ft[1], tuple) and ft[1][0] == 'object':
            walk(ft[1], p + [0], out)

def setpath(root, path, v):
    cur = root
    for k in path[:-1]:
        cur = cur[k]
    if v == '<missing>':
        del cur[path[-1]]
    else:
        cur[path[-1]] = v

def fmt(path):
    s = ''
    for k in path:
        s += '[%d]' % k if isinstance(k, int) else ('.' if s else '') + k
    return s

def attr_cases(schemas, listkey, api, base, excluded_name, excluded):
    cases = []
    for typ, t in schemas.items():
        full = dict(type=typ, **good(t))
        cases.append(dict(name='%s: every field' % typ, api=api, body=dict(base, **{listkey: [full]}), valid=True))
        cases.append(dict(name='%s: only what the spec requires' % typ, api=api, body=dict(base, **{listkey: [dict(type=typ, **minimal(t))]}), valid=True))
        cases.append(dict(name='%s: a field the spec does not list is ignored' % typ, api=api, body=dict(base, **{listkey: [dict(full, laterField={'a': [1]})]}), valid=True))
        out = []
        walk(t, [], out)
        for p, v, suffix, note in out:
            a = copy.deepcopy(full)
            # make sure parents of p exist in full form (they do: good() fills every field)
            setpath(a, p, v)
            c = dict(name='%s.%s: %s' % (typ, fmt(p), note), api=api, body=dict(base, **{listkey: [a]}))
            if suffix is None:
                c['valid'] = True
            else:
                c['errors'] = ['%s[0].%s%s' % (listkey, fmt(p), suffix)]
            cases.append(c)
    for typ in excluded:
        cases.append(dict(name='%s is not allowed in %s' % (typ, listkey), api=api,
                          body=dict(base, **{listkey: [dict(type=typ, **good(excluded[typ]))]}), errors=['%s[0].type' % listkey]))
    cases.append(dict(name='%s: unknown type' % listkey, api=api, body=dict(base, **{listkey: [{'type': 'wishlist'}]}), errors=['%s[0].type' % listkey]))
    cases.append(dict(name='%s: type in the wrong case' % listkey, api=api, body=dict(base, **{listkey: [{'type': list(schemas)[0].upper()}]}), errors=['%s[0].type' % listkey]))
    cases.append(dict(name='%s: type missing' % listkey, api=api, body=dict(base, **{listkey: [{}]}), errors=['%s[0].type' % listkey]))
    cases.append(dict(name='%s: type not a string' % listkey, api=api, body=dict(base, **{listkey: [{'type': 7}]}), errors=['%s[0].type' % listkey]))
    cases.append(dict(name='%s: element not an object' % listkey, api=api, body=dict(base, **{listkey: ['cart']}), errors=['%s[0]' % listkey]))
    cases.append(dict(name='%s: not an array' % listkey, api=api, body=dict(base, **{listkey: {'type': 'cart'}}), errors=[listkey]))
    cases.append(dict(name='%s: empty array' % listkey, api=api, body=dict(base, **{listkey: []}), valid=True))
    return cases

# §4.1 / §9: the Create Session body.
APPDETAILS = obj({'appVersion': S, 'deviceFamily': enum('DESKTOP', 'TABLET', 'MOBILE'), 'ipAddress': IP,
                  'os': enum('WINDOWS', 'MAC_OSX', 'LINUX', 'IOS', 'ANDROID'), 'osVersion': S})
def create_cases():
    base = {'appType': 'EXTERNAL'}
    cases = [
        dict(name='appType EXTERNAL', api='createSession', body={'appType': 'EXTERNAL'}, valid=True),
        dict(name='appType MSDK', api='createSession', body={'appType': 'MSDK'}, valid=True),
        dict(name='appType required on the wire', api='createSession', body={}, errors=['appType']),
        dict(name='appType optional in getEngagement (the SDK fills it)', api='getEngagement', body={}, valid=True),
        dict(name='appType other value', api='createSession', body={'appType': 'WEB'}, errors=['appType']),
        dict(name='appType lower case', api='createSession', body={'appType': 'external'}, errors=['appType']),
        dict(name='appType number', api='createSession', body={'appType': 1}, errors=['appType']),
        dict(name='the documented example', api='createSession', body={
            'appType': 'EXTERNAL', 'appDetails': {'os': 'LINUX', 'osVersion': '6.1', 'appVersion': '3.2.0', 'deviceFamily': 'DESKTOP', 'ipAddress': '203.0.113.7'},
            'consumerSections': ['billing', 'en'], 'engagementAttributes': [{'type': 'ctmrinfo', 'info': {'ctype': 'gold', 'customerId': 'c-991'}}]}, valid=True),
        dict(name='appDetails with the seed\'s Type, Platform, Name, Version, Client timestamp', api='createSession',
             body={'appType': 'EXTERNAL', 'appDetails': {'Type': 'desktop', 'Platform': 'electron', 'Name': 'Trader', 'Version': '4.1', 'clientTimestamp': 1700000000000}}, valid=True),
        dict(name='a top-level field the spec does not list is ignored', api='createSession', body={'appType': 'EXTERNAL', 'futureField': [1, {'a': None}]}, valid=True),
        dict(name='consumerSections strings', api='createSession', body={'appType': 'EXTERNAL', 'consumerSections': ['Support', 'English', 'Other']}, valid=True),
        dict(name='consumerSections empty', api='createSession', body={'appType': 'EXTERNAL', 'consumerSections': []}, valid=True),
        dict(name='consumerSections comma-delimited string', api='createSession', body={'appType': 'EXTERNAL', 'consumerSections': 'a,b'}, errors=['consumerSections']),
        dict(name='consumerSections number element', api='createSession', body={'appType': 'EXTERNAL', 'consumerSections': ['a', 2]}, errors=['consumerSections[1]']),
        dict(name='body not an object', api='createSession', body=[], errors=['']),
        dict(name='vid and sid', api='getEngagement', body={'vid': 'Vb3kQz91', 'sid': 'Sx7_p2LmA'}, valid=True),
        dict(name='vid with a space', api='getEngagement', body={'vid': 'a b'}, errors=['vid']),
        dict(name='vid with a slash', api='getEngagement', body={'vid': 'a/b'}, errors=['vid']),
        dict(name='vid ..', api='getEngagement', body={'vid': '..'}, errors=['vid']),
        dict(name='vid .', api='getEngagement', body={'vid': '.'}, errors=['vid']),
        dict(name='sid with a question mark', api='getEngagement', body={'sid': 'a?b'}, errors=['sid']),
        dict(name='sid ..', api='getEngagement', body={'sid': '..'}, errors=['sid']),
        dict(name='vid a boolean', api='getEngagement', body={'vid': True}, errors=['vid']),
        dict(name='the seed request', api='getEngagement', body=json.load(open(os.path.join(OUT, '..', 'seed-request.json'))), valid=True),
    ]
    cases.append(dict(name='appDetails every field', api='createSession', body=dict(base, appDetails=good(APPDETAILS)), valid=True))
    cases.append(dict(name='appDetails empty', api='createSession', body=dict(base, appDetails={}), valid=True))
    for v, suffix, note in bads(APPDETAILS):
        cases.append(dict(name='appDetails: ' + note, api='createSession', body=dict(base, appDetails=v), errors=['appDetails']))
    out = []
    walk(APPDETAILS, [], out)
    for p, v, suffix, note in out:
        d = good(APPDETAILS)
        setpath(d, p, v)
        c = dict(name='appDetails.%s: %s' % (fmt(p), note), api='createSession', body=dict(base, appDetails=d))
        if suffix is None: c['valid'] = True
        else: c['errors'] = ['appDetails.%s%s' % (fmt(p), suffix)]
        cases.append(c)
    cases += attr_cases(SDES, 'engagementAttributes', 'createSession', base, None, IMPRESSIONS)
    return cases

# §5: Update Session.
def update_cases():
    base = {'pageId': '1029384756'}
    cases = [
        dict(name='the documented example', api='updateSession', body={
            'pageId': '1029384756',
            'impAttributes': [{'type': 'impDisplay', 'campaign': 1111111111, 'engId': 2222222222, 'revision': 12, 'eContext': [{'type': 'engagementContext', 'id': '1'}]}],
            'engagementAttributes': [{'type': 'lead', 'lead': {'topic': 'upgrade', 'value': 49.5, 'leadId': 'L-17'}}]}, valid=True),
        dict(name='pageId only', api='updateSession', body=base, valid=True),
        dict(name='pageId required', api='updateSession', body={'impAttributes': []}, errors=['pageId']),
        dict(name='pageId a boolean', api='updateSession', body={'pageId': True}, errors=['pageId']),
        dict(name='a field the spec does not list is ignored', api='updateSession', body=dict(base, entryPoints=['sec://Sport']), valid=True),
        dict(name='impExpanded with the documented nulls', api='updateSession', body=dict(base, impAttributes=[{'type': 'impExpanded', 'expanded': None, 'userInit': None, 'actionableItems': None, 'campaign': 3115242510, 'engId': 3115242810, 'revision': 537}]), valid=True),
    ]
    cases += attr_cases(IMPRESSIONS, 'impAttributes', 'updateSession', base, None, SDES)
    # SDEs in Update Session's engagementAttributes: the same rules as in Create Session; one
    # full example per type and the impression exclusion.
    for typ, t in SDES.items():
        cases.append(dict(name='engagementAttributes %s in Update Session' % typ, api='updateSession', body=dict(base, engagementAttributes=[dict(type=typ, **good(t))]), valid=True))
    for typ, t in IMPRESSIONS.items():
        cases.append(dict(name='%s is not allowed in engagementAttributes of Update Session' % typ, api='updateSession', body=dict(base, engagementAttributes=[dict(type=typ, **good(t))]), errors=['engagementAttributes[0].type']))
    return cases

for name, cases, spec in [('create-session.json', create_cases(), '§4.1, §6.2, §9, §11'), ('update-session.json', update_cases(), '§5, §6.3, §11')]:
    seen = set()
    for c in cases:
        n, i = c['name'], 2
        while c['name'] in seen:
            c['name'] = '%s (%d)' % (n, i); i += 1
        seen.add(c['name'])
    doc = {
        'about': 'Requests and the verdict the App Engagement API spec (shared/spec/app-engagement-api.md %s) gives them, written from the spec alone, not from core\'s schemas. api: getEngagement = the JS SDK object (appType optional, the SDK fills EXTERNAL), createSession / updateSession = the wire body. valid: true, or errors: the field paths that must be reported (exactly these). Values are realistic so that a client\'s own range checks (ours, not the spec\'s) do not interfere.' % spec,
        'cases': cases,
    }
    with open(os.path.join(OUT, name), 'w') as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write('\n')
    print(name, len(cases), sum(1 for c in cases if c.get('valid')), sum(1 for c in cases if 'errors' in c))
